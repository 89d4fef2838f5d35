"""Benchmark: the search page on a consultation of 5,000 amendments and 100,000 comments, against the
home page.

Builds the consultation with bench_scale's loader (rows written in bulk), indexes it with the same
rebuild as `flask search reindex` (timed), then requests, interleaved (home, each search, home, …),
each in its own app context as in production: a query that finds one amendment, one that finds one
comment among 100,000 that share its other words, one that finds every amendment, one that finds
nearly every comment, and a filtered one. Prints medians with min–max, the ratio to the home page,
and the queries per page — which must be the same for every search, whatever it finds.

Goal: each search at most 100 ms median, with a constant number of queries.

Run: .venv/bin/python tests/bench/bench_search.py [--database postgresql://…] [--runs 15]
(the database is emptied; SQLite in a temporary directory by default)
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.accounts import services as accounts  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import Role, SearchEntry  # noqa: E402
from consult.search import services as search  # noqa: E402
from tests.bench.bench_scale import PASSWORD, build, median, request  # noqa: E402

SEARCHES = {
    "one amendment": {"q": "amended4321"},
    "one comment": {"q": "comment 54321 article"},
    "every amendment": {"q": "rationale"},
    "nearly every comment": {"q": "real one"},
    "filtered": {"q": "long enough", "kind": "comment", "language": "es", "page": "7"},
    "nothing": {"q": "quokka"},
}


def _build(args) -> tuple[float, int, float, int]:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.create_all()
    began = time.perf_counter()
    moderator = accounts.register(email="moderator@bench.test", name="Moderator", password=PASSWORD,
                                  locale="en", organisation=None, role=Role.moderator)
    db.session.commit()
    build("full", amendments=args.amendments, comments=args.comments, organisations=args.organisations,
          moderator=moderator)
    built = time.perf_counter() - began
    began = time.perf_counter()
    indexed = search.reindex()
    db.session.commit()
    reindexed = time.perf_counter() - began
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry))
    return built, indexed, reindexed, entries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file); it is emptied")
    parser.add_argument("--amendments", type=int, default=5000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database as an earlier run of this benchmark left it (with --database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False}, instance_path=tmp)
        with app.app_context():
            if args.reuse:
                entries = db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry))
                built = reindexed = indexed = 0
            else:
                built, indexed, reindexed, entries = _build(args)
            db.session.remove()
            engine = db.engine
        print(f"database: {uri.split(':')[0]}; built in {built:.0f} s: {args.amendments:,} amendments, "
              f"{args.comments:,} comments; indexed {indexed:,} texts ({entries:,} rows) in {reindexed:.1f} s")

        client = app.test_client()  # no app context held around it: each request pushes its own
        urls = [("home", "/")] + [(name, "/search/?" + urlencode(query)) for name, query in SEARCHES.items()]
        for _name, url in urls:
            request(client, engine, url)  # warm up
        results = {name: [] for name, _url in urls}
        for _ in range(args.runs):
            for name, url in urls:
                results[name].append(request(client, engine, url))
        with app.app_context():
            found = {}
            for name, query in SEARCHES.items():
                shown = search.search(search.SearchForm.from_args(query))
                found[name] = f"{shown.total:,}{'+' if shown.capped else ''}"

    def times(name):
        return [seconds for seconds, _q, _b in results[name]]

    home = statistics.median(times("home"))
    print(f"\nmedian (min–max) of {args.runs} interleaved runs, as a visitor")
    _s, home_queries, home_bytes = results["home"][0]
    print(f"{'home':21} {median(times('home'))} {home_queries:3} queries {home_bytes / 1024:6.1f} KiB")
    counts = set()
    for name in SEARCHES:
        _s, queries, size = results[name][0]
        counts.add(queries)
        print(f"{name:21} {median(times(name))} {queries:3} queries {size / 1024:6.1f} KiB "
              f"{found[name]:>7} found | {statistics.median(times(name)) / home:4.1f}× home")
    print(f"queries per search: {sorted(counts)} ({'constant' if len(counts) == 1 else 'NOT constant'})")


if __name__ == "__main__":
    main()
