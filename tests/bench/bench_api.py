"""Benchmark: the open data API's amendment list on a consultation of 5,000 amendments and 100,000
comments, against the home page.

Builds the consultation with bench_scale's loader (rows written in bulk), then requests, interleaved
(home, each API page, home, …), each in its own app context as in production: the first, a middle
and the last page of the amendments (limit 100), a page of 10, a filtered page, and a page of
comments. Then walks every page of the amendments, checking each comes exactly once. Prints medians
with min–max, the ratio to the home page, and the queries per page — which must be the same for
every amendment page, whatever its size or place.

Goal: the amendment list page at most 50 ms median, with a constant number of queries.

Run: .venv/bin/python tests/bench/bench_api.py [--database postgresql://…] [--runs 15]
(the database is emptied; SQLite in a temporary directory by default)
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
from consult.accounts import services as accounts  # noqa: E402
from consult.api.services import encode_cursor  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import Amendment, Role, Visibility  # noqa: E402
from tests.bench.bench_scale import PASSWORD, build, median, request  # noqa: E402


def _build(args) -> float:
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
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file); it is emptied")
    parser.add_argument("--amendments", type=int, default=5000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False}, instance_path=tmp)
        with app.app_context():
            built = _build(args)
            ids = sorted(db.session.scalars(sa.select(Amendment.id).where(Amendment.visibility == Visibility.visible)))
            db.session.remove()
            engine = db.engine
        print(f"database: {uri.split(':')[0]}; built in {built:.0f} s: {args.amendments:,} amendments "
              f"({len(ids):,} visible), {args.comments:,} comments")
        middle, last = ids[len(ids) // 2], ids[-101] if len(ids) > 100 else ids[0]
        urls = [
            ("home", "/"),
            ("amendments first 100", "/api/v1/amendments?limit=100"),
            ("amendments middle 100", f"/api/v1/amendments?limit=100&cursor={encode_cursor(middle)}"),
            ("amendments last 100", f"/api/v1/amendments?limit=100&cursor={encode_cursor(last)}"),
            ("amendments first 10", "/api/v1/amendments?limit=10"),
            ("amendments filtered", "/api/v1/amendments?limit=100&status=accepted&locale=en"),
            ("comments 100", "/api/v1/comments?limit=100"),
        ]
        client = app.test_client()  # no app context held around it: each request pushes its own
        for _name, url in urls:
            request(client, engine, url)  # warm up
        results = {name: [] for name, _url in urls}
        for _ in range(args.runs):
            for name, url in urls:
                results[name].append(request(client, engine, url))

        seen, url, pages = [], "/api/v1/amendments?limit=100", 0
        began = time.perf_counter()
        while url:
            page = client.get(url).json
            seen += [a["id"] for a in page["data"]]
            url, pages = page["next"], pages + 1
        walked = time.perf_counter() - began
        assert sorted(seen) == ids and len(seen) == len(set(seen)), "an amendment missing or repeated"
        print(f"walked {pages} pages of 100: every one of {len(ids):,} amendments exactly once, in {walked:.1f} s")

    def times(name):
        return [seconds for seconds, _q, _b in results[name]]

    home = statistics.median(times("home"))
    print(f"\nmedian (min–max) of {args.runs} interleaved runs, as a visitor")
    counts = set()
    for name, _url in urls:
        _s, queries, size = results[name][0]
        if name.startswith("amendments"):
            counts.add(queries)
        print(f"{name:22} {median(times(name))} {queries:3} queries {size / 1024:6.1f} KiB"
              f" | {statistics.median(times(name)) / home:4.2f}× home")
    print(f"queries per amendment page: {sorted(counts)} ({'constant' if len(counts) == 1 else 'NOT constant'})")


if __name__ == "__main__":
    main()
