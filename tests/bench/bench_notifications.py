"""Benchmark: the daily digest run at the size of a real consultation.

Loads the demo consultation, then 10,000 subscribers following an article and 50,000 notices of
comments on it waiting for the daily digest (rows written in bulk). Runs the digest job twice —
first for a tenth of the subscribers, then for the rest — and prints for each run the mails
queued, the batches, the statements and statements per batch (which must not grow with the
subscribers), the time and the peak memory traced. Delivery is only queued, as in production,
where workers send.

Run: .venv/bin/python tests/bench/bench_notifications.py [--database postgresql://…]
(the database is emptied; SQLite in a temporary directory by default)
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import Article, Comment, Notice, Round, User, utcnow  # noqa: E402
from consult.notifications import mailing  # noqa: E402
from consult.seeding import load_seeds  # noqa: E402


def build(subscribers: int, events: int) -> None:
    load_seeds(ROOT / "seeds")
    db.session.commit()
    round_ = db.session.scalar(sa.select(Round).where(Round.restricted_to_region.is_(False)).order_by(Round.id.desc()))
    article = db.session.scalar(sa.select(Article).where(Article.version_id == round_.version_id).limit(1))
    now = utcnow()
    first = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    for start in range(0, subscribers, 5000):
        db.session.execute(sa.insert(User), [
            {"email": f"focal{n}@city{n}.example", "name": f"Focal point {n}", "password_hash": "x",
             "locale": ("en", "fr", "es")[n % 3], "email_confirmed_at": now, "created_at": now, "updated_at": now}
            for n in range(start, min(start + 5000, subscribers))])
    comment_ids = []
    for start in range(0, 2000, 1000):
        db.session.execute(sa.insert(Comment), [
            {"round_id": round_.id, "article_id": article.id, "author_id": first + n, "locale": "en",
             "body": f"Comment {n}: the article should say more about housing.", "body_html": f"<p>Comment {n}</p>",
             "created_at": now, "updated_at": now} for n in range(start, start + 1000)])
    comment_ids = db.session.scalars(sa.select(Comment.id).where(Comment.article_id == article.id)
                                     .order_by(Comment.id.desc()).limit(2000)).all()
    for start in range(0, events, 10_000):
        db.session.execute(sa.insert(Notice), [
            {"user_id": first + n % subscribers, "kind": "followed_comment", "rhythm": "daily", "created_at": now,
             "payload": {"comment_id": comment_ids[n % len(comment_ids)], "round_id": round_.id,
                         "article_id": article.id}} for n in range(start, min(start + 10_000, events))])
    db.session.commit()
    return first


def run(label: str) -> None:
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", record := lambda *args: statements.append(1))
    tracemalloc.start()
    began = time.perf_counter()
    mails = mailing.send_digests("daily")
    seconds = time.perf_counter() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sa.event.remove(db.engine, "before_cursor_execute", record)
    batches = -(-mails // mailing.BATCH)
    print(f"{label:28} {mails:6} mails in {batches:3} batches, {len(statements):5} statements "
          f"({len(statements) / max(batches, 1):.1f} a batch), {seconds:6.1f} s, peak {peak / 2**20:6.1f} MiB traced")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file); it is emptied")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "BASE_URL": "https://consult.example.org", "MAIL_TRANSPORT": "file"},
                         instance_path=tmp)
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.create_all()
            began = time.perf_counter()
            first = build(args.subscribers, args.events)
            print(f"database: {uri.split(':')[0]}; {args.subscribers:,} subscribers and {args.events:,} notices "
                  f"loaded in {time.perf_counter() - began:.0f} s")
            tenth = args.subscribers // 10
            # The tenth first: the others' notices wait for the weekly digest meanwhile.
            db.session.execute(sa.update(Notice).where(Notice.user_id >= first + tenth).values(rhythm="weekly"))
            db.session.commit()
            run(f"a tenth ({tenth:,} people)")
            db.session.execute(sa.update(Notice).where(Notice.rhythm == "weekly").values(rhythm="daily"))
            db.session.commit()
            run(f"the rest ({args.subscribers - tenth:,} people)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
