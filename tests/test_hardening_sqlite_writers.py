"""A slow preview must not hold SQLite's write lock while others write (DESIGN.md, Storage and scale)."""

import threading

import pytest

from consult.extensions import db
from consult.models import Comment, RoundState
from tests.conftest import count_rows
from tests.test_hardening_locks import WAIT, in_threads, join, logged_in



@pytest.fixture
def backend():
    return "sqlite"  # SQLite's single write lock; PostgreSQL locks rows


def test_a_slow_preview_holds_up_no_writer(app, monkeypatch, make_user, make_round, article):
    """An amendment preview is held open (its redline waits) while 50 people comment: all 50 are saved."""
    import consult.web

    round_ = make_round(RoundState.open)
    previewer = logged_in(app, make_user())
    author = make_user()
    commenters = [logged_in(app, author) for _ in range(50)]
    round_id, article_id = round_.id, article.id
    title, body = article.text("en").title, article.text("en").body
    db.session.remove()

    previewing, comments_done = threading.Event(), threading.Event()
    redline = consult.web.redline_html

    def slow_redline(*args, **kwargs):
        previewing.set()
        comments_done.wait(WAIT)
        return redline(*args, **kwargs)

    monkeypatch.setattr(consult.web, "redline_html", slow_redline)
    preview_thread, preview = in_threads(lambda: previewer.post(f"/charter/articles/{article_id}/amend", data={
        "round": round_id, "kind": "modify", "locale": "en", "title": title, "body": body + " More.",
        "rationale": "Why", "token": "p", "preview": "1"}))
    assert previewing.wait(WAIT), preview

    def comment(client, n):
        return lambda: client.post("/comments", data={"round_id": round_id, "article_id": article_id, "locale": "en",
                                                      "body": f"Comment {n}", "token": f"t{n}", "submit": "1"})

    threads, responses = in_threads(*(comment(client, n) for n, client in enumerate(commenters)))
    join(threads)
    comments_done.set()
    join(preview_thread)

    assert [getattr(r, "status_code", r) for r in responses] == [302] * 50
    assert count_rows(Comment) == 50
    assert preview[0].status_code == 200 and "<ins>" in preview[0].get_data(as_text=True)
