"""Streamed downloads read through a real server process (gunicorn), each request in its own
app context as in production: a test client around one open app context hides what a request
that ends before its body is sent does to the database session."""

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from consult.extensions import db
from consult.models import Amendment, Comment, Role, Round, Visibility
from consult.moderation import services as moderation
from tests.conftest import ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, demo, make_user, tmp_path):
    """The demo consultation with one comment and one amendment hidden, served by gunicorn on the
    test's database; yields the base address."""
    moderator = make_user(role=Role.moderator, organisation=None)
    for model in (Comment, Amendment):
        moderation.hide(moderator, db.session.scalars(sa.select(model).order_by(model.id)).first(), "Off topic")
    db.session.commit()

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], CONSULT_INSTANCE_PATH=str(tmp_path / "served"),
               CONSULT_SECRET_KEY="served", CONSULT_RATELIMIT_ENABLED="false")
    process = subprocess.Popen([str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/rounds/", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start serving") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        log = process.communicate(timeout=20)[0]
        print(log)  # shown when a test fails: the server's traceback


def _download(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers["Content-Type"], response.read().decode("utf-8")


def _visible_ids(round_id: int, model) -> set[int]:
    return set(db.session.scalars(sa.select(model.id).where(model.round_id == round_id,
                                                            model.visibility == Visibility.visible)))


def test_contributions_stream_completely_from_a_real_server(server):
    rounds = db.session.scalars(sa.select(Round).order_by(Round.id)).all()
    hidden = {(kind, id_) for kind, model in (("amendment", Amendment), ("comment", Comment))
              for id_ in db.session.scalars(sa.select(model.id).where(model.visibility != Visibility.visible))}
    assert len(hidden) == 2
    exported = 0
    for round_ in rounds:
        expected = {("amendment", i) for i in _visible_ids(round_.id, Amendment)} | \
                   {("comment", i) for i in _visible_ids(round_.id, Comment)}

        content_type, body = _download(f"{server}/exports/rounds/{round_.id}/contributions.csv")
        assert content_type == "text/csv; charset=utf-8"
        records = list(csv.DictReader(io.StringIO(body)))
        assert {(r["type"], int(r["id"])) for r in records} == expected
        assert len(records) == len(expected) and all(r["round"] == round_.slug for r in records)

        content_type, body = _download(f"{server}/exports/rounds/{round_.id}/contributions.json")
        assert content_type == "application/json"
        data = json.loads(body)
        assert {(d["type"], d["id"]) for d in data} == expected and len(data) == len(expected)
        assert not hidden & expected
        exported += len(expected)
    assert exported > 50  # the demo's contributions, not an empty round
