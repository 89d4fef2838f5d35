"""The start command and the seed command, as a newcomer runs them."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from consult import create_app
from consult.extensions import db
from consult.models import Charter, User

ROOT = Path(__file__).resolve().parents[1]


def test_demo_creates_migrates_and_seeds_a_fresh_instance_then_prints_the_accounts(tmp_path, monkeypatch):
    for key in ("DATABASE_URL", "CONSULT_SQLALCHEMY_DATABASE_URI"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CONSULT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    instance = tmp_path / "instance"
    app = create_app(instance_path=str(instance))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert (instance / "consult.sqlite").exists() and (instance / "secret_key").exists()
    for email in ("participant@demo.test", "asia@demo.test", "moderator@demo.test", "secretariat@demo.test"):
        assert email in result.output
    assert "consult-demo" in result.output

    with app.app_context():
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Charter)) == 1
        db.session.remove()  # SQLite: let the command's own connection take the write lock
        # a second start upgrades (nothing to do) and does not seed again
        again = runner.invoke(args=["demo", "--no-serve"])
        assert again.exit_code == 0, again.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
        db.engine.dispose()


def test_seed_command_is_idempotent(runner, app):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "3 rounds" in first.output
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0 and "0 rounds" in second.output and "0 amendments" in second.output


def _serve_demo(instance: Path):
    """`flask --app wsgi demo` as a newcomer runs it: a real process answering on a real port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CONSULT_INSTANCE_PATH=str(instance), CONSULT_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--port", str(port)]
    process = subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/charter/?lang=fr", timeout=5) as response:
                return process, env, response.read().decode()
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.terminate()
                raise AssertionError("the demo did not start serving: " + process.communicate(timeout=10)[0])
            time.sleep(0.5)


def test_the_readme_start_command_serves_the_demo(tmp_path):
    process, _env, page = _serve_demo(tmp_path / "instance")
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert '<html lang="fr">' in page and "Droit à la ville" in page
    assert "participant@demo.test" in output and "consult-demo" in output


def test_a_restarted_demo_leaves_the_database_free_for_other_writers(tmp_path):
    """Started again on its database, the demo must not sit on SQLite's write lock."""
    first, _env, _page = _serve_demo(tmp_path / "instance")
    first.terminate()
    first.communicate(timeout=10)
    second, env, _page = _serve_demo(tmp_path / "instance")
    try:
        draft = str(ROOT / "seeds" / "charter" / "draft.en.md")
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "charter", "import", "--lang", "en",
                                 draft, "--label", "Written while serving"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Created draft version" in result.stdout
    finally:
        second.terminate()
        second.communicate(timeout=10)
