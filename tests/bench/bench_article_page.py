"""Benchmark: an article with 1,000 comments and 100 amendments against the home page.

Reports the SQL queries of each page (a quiet article, the busy one, logged out and logged in),
the time of each page relative to the home page's — requests interleaved (home, article, home,
article …), each in its own app context as in production, medians with min–max over --runs —
and, with --gunicorn, requests per second through gunicorn (2 workers) under a load sent from a
second process, article against home, in alternating rounds.

Run: .venv/bin/python tests/bench/bench_article_page.py [--database postgresql://…] [--gunicorn]
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.amendments import services as amendments  # noqa: E402
from consult.comments import services as comments  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import AmendmentKind, Article, Round, User  # noqa: E402
from consult.seeding import load_seeds  # noqa: E402

DEMO_PASSWORD = "consult-demo"


def build(app, n_comments: int, n_amendments: int) -> tuple[int, int, int]:
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.create_all()
        load_seeds(ROOT / "seeds")
        round_ = db.session.scalar(sa.select(Round).where(Round.slug == "global-online-consultation"))
        busy, quiet = db.session.scalars(
            sa.select(Article).where(Article.version_id == round_.version_id, Article.number.in_(["X", "IX"]))
            .order_by(Article.position)
        ).all()[::-1]
        people = db.session.scalars(sa.select(User)).all()
        for n in range(n_amendments):
            amendment, _ = amendments.propose(
                people[n % len(people)], round_, busy,
                amendments.Proposal(AmendmentKind.modify, "en", busy.text("en").title,
                                    busy.text("en").body + f" Addition {n}.", f"Rationale {n}"))
            for k in range(3):
                amendments.support(people[(n + k + 1) % len(people)], amendment)
        first = None
        for n in range(n_comments):
            comment, _ = comments.post(people[n % len(people)], round_, busy, body=f"Comment **{n}**", locale="fr",
                                       parent=first if n % 4 else None)
            if n % 4 == 0:
                first = comment
        db.session.commit()
        return round_.id, busy.id, quiet.id


def count_queries(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    queries = []

    def count(*_args, **_kwargs):
        queries.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(queries)


def interleaved(client, urls: dict[str, str], runs: int) -> dict[str, list[float]]:
    """Each page once per run, in turn, so that a busy neighbour or a cache weighs on all alike."""
    times: dict[str, list[float]] = {name: [] for name in urls}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm up (and fill the fragment cache)
    for _ in range(runs):
        for name, url in urls.items():
            start = time.perf_counter()
            response = client.get(url)
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, url
    return times


def summary(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:6.1f} ms ({min(values) * 1000:.1f}–{max(values) * 1000:.1f})"


def in_process(app, round_id: int, busy: int, quiet: int, runs: int) -> None:
    urls = {
        "home": "/",
        "quiet article": f"/charter/articles/{quiet}?round={round_id}",
        "busy article": f"/charter/articles/{busy}?round={round_id}",
    }
    for viewer in ("visitor", "participant"):
        client = app.test_client()  # no app context held around it: each request pushes its own
        if viewer == "participant":
            response = client.post("/account/login", data={"email": "participant@demo.test", "password": DEMO_PASSWORD})
            assert response.status_code == 302
        queries = {name: count_queries(app, client, url) for name, url in urls.items()}
        times = interleaved(client, urls, runs)
        home = statistics.median(times["home"])
        print(f"\n{viewer}: median (min–max) of {runs} interleaved runs")
        for name in urls:
            ratio = statistics.median(times[name]) / home
            print(f"  {name:14} {summary(times[name])}  {ratio:4.1f}× home  {queries[name]:2} queries")


# --- through gunicorn -------------------------------------------------------------------------


LOAD = """
import json, sys, threading, time, urllib.request
url, seconds, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
done, failed, stop = [0], [0], time.monotonic() + seconds
def work():
    while time.monotonic() < stop:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
            done[0] += 1
        except Exception:
            failed[0] += 1
pool = [threading.Thread(target=work) for _ in range(threads)]
start = time.monotonic()
[t.start() for t in pool]; [t.join() for t in pool]
print(json.dumps({"per_second": done[0] / (time.monotonic() - start), "failed": failed[0]}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def through_gunicorn(uri: str, instance: str, round_id: int, busy: int, seconds: float, rounds: int) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": uri, "CONSULT_SECRET_KEY": "bench", "CONSULT_RATELIMIT_ENABLED": "false",
           "CONSULT_INSTANCE_PATH": instance}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    urls = {"home": f"{base}/", "busy article": f"{base}/charter/articles/{busy}?round={round_id}"}
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        rates: dict[str, list[float]] = {name: [] for name in urls}
        for name, url in urls.items():  # warm up both workers
            _load(url, 2, 2)
        for _ in range(rounds):
            for name, url in urls.items():
                result = _load(url, seconds, 4)
                assert result["failed"] == 0, result
                rates[name].append(result["per_second"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    home = statistics.median(rates["home"])
    print(f"\ngunicorn, 2 workers, 4 client threads in another process, {rounds} alternating rounds of {seconds:.0f} s")
    for name, values in rates.items():
        print(f"  {name:14} {statistics.median(values):6.1f} requests/s ({min(values):.1f}–{max(values):.1f})"
              f"  {statistics.median(values) / home:5.0%} of home")


def _load(url: str, seconds: float, threads: int) -> dict:
    output = subprocess.run([sys.executable, "-c", LOAD, url, str(seconds), str(threads)],
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file); it is emptied")
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--amendments", type=int, default=100)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--gunicorn", action="store_true", help="also measure throughput through gunicorn")
    parser.add_argument("--seconds", type=float, default=5, help="length of one gunicorn load round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating gunicorn load rounds per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SEEDS_DIR": str(ROOT / "seeds")},
                         instance_path=tmp)
        round_id, busy, quiet = build(app, args.comments, args.amendments)
        print(f"database: {uri.split(':')[0]}; busy thread: {args.comments} comments, {args.amendments} amendments")
        in_process(app, round_id, busy, quiet, args.runs)
        with app.app_context():
            db.engine.dispose()
        if args.gunicorn:
            through_gunicorn(uri, tmp, round_id, busy, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
