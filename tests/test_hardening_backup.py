"""`flask backup` and `flask restore` while people write: the copy is sound and holds every write
acknowledged before it began; a file that is not sound is never restored."""

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from consult.comments import services as comments
from consult.extensions import db
from consult.models import Comment, RoundState
from tests.conftest import count_rows

WRITERS = 4


@pytest.fixture
def writers(app, make_user, make_round, charter_version):
    """People commenting in threads until stopped; `acknowledged` holds the ids of committed comments."""
    from consult.models import Article, Round, User

    round_id, article_id = make_round(RoundState.open).id, charter_version.sections[2].articles[0].id
    people = [make_user().id for _ in range(WRITERS)]
    db.session.remove()
    state = {"acknowledged": [], "errors": [], "stop": threading.Event(), "enough": threading.Event()}
    lock = threading.Lock()

    def write(user_id):
        with app.app_context():
            while not state["stop"].is_set():
                try:
                    comment, _ = comments.post(db.session.get(User, user_id), db.session.get(Round, round_id),
                                               db.session.get(Article, article_id), body="x", locale="en")
                    db.session.commit()
                except Exception as error:  # noqa: BLE001 - reported by the test
                    state["errors"].append(error)
                    db.session.rollback()
                    return
                with lock:
                    state["acknowledged"].append(comment.id)
                    if len(state["acknowledged"]) >= 20:
                        state["enough"].set()
                db.session.remove()

    threads = [threading.Thread(target=write, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    assert state["enough"].wait(60), state["errors"]
    yield state
    state["stop"].set()
    for thread in threads:
        thread.join(60)
    assert state["errors"] == []


def comment_ids(path) -> set[int]:
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {row[0] for row in connection.execute("SELECT id FROM comments")}


def test_backup_and_restore_while_people_write(app, backend, runner, writers, tmp_path):
    out = tmp_path / "backup.sqlite"
    acknowledged = set(writers["acknowledged"])
    result = runner.invoke(args=["backup", str(out)])
    if backend == "postgresql":
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    saved = comment_ids(out)
    assert acknowledged <= saved

    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    writers["stop"].set()
    live = db.engine.url.database
    assert saved <= comment_ids(live)  # the writers went on after the restore; nothing acknowledged is missing


def test_a_file_that_is_not_sound_is_not_restored(app, backend, runner, make_user, tmp_path):
    make_user()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    result = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert result.exit_code != 0
    assert ("pg_dump" if backend == "postgresql" else "not a readable SQLite database") in result.output
    assert db.session.scalar(sa.text("SELECT count(*) FROM users")) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # PostgreSQL's backups are pg_dump's
def test_a_backup_never_overwrites_a_file(app, backend, runner, tmp_path):
    existing = tmp_path / "existing.sqlite"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_text() == "keep me"
    assert count_rows(Comment) == 0
