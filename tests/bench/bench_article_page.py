"""Benchmark: an article with 1,000 comments and 100 amendments.

Reports, in one run, the article page's SQL query count against a quiet article's, and its
median time relative to the home page's. Run: .venv/bin/python tests/bench/bench_article_page.py
(add --database postgresql://... to measure on PostgreSQL).
"""

import argparse
import statistics
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


def build(app, n_comments: int, n_amendments: int) -> tuple[int, int, int]:
    with app.app_context():
        db.drop_all()
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


def measure(client, url: str, runs: int) -> tuple[float, int]:
    queries = []

    def count(*_args, **_kwargs):
        queries.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    client.get(url)  # warm up
    n_queries = len(queries)
    sa.event.remove(db.engine, "before_cursor_execute", count)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, url
    return statistics.median(times), n_queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--amendments", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SEEDS_DIR": str(ROOT / "seeds")},
                         instance_path=tmp)
        round_id, busy, quiet = build(app, args.comments, args.amendments)
        with app.app_context():
            client = app.test_client()
            home, home_q = measure(client, "/", args.runs)
            busy_t, busy_q = measure(client, f"/charter/articles/{busy}?round={round_id}", args.runs)
            quiet_t, quiet_q = measure(client, f"/charter/articles/{quiet}?round={round_id}", args.runs)
            db.engine.dispose()
    print(f"database: {uri.split(':')[0]}; thread: {args.comments} comments, {args.amendments} amendments")
    print(f"queries  home {home_q}, quiet article {quiet_q}, busy article {busy_q}")
    print(f"median   home {home * 1000:.1f} ms, quiet article {quiet_t * 1000:.1f} ms, busy article {busy_t * 1000:.1f} ms")
    print(f"ratio    busy article / home = {busy_t / home:.1f}x, busy / quiet article = {busy_t / quiet_t:.2f}x")


if __name__ == "__main__":
    main()
