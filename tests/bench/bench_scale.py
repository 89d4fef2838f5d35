"""Benchmark: every page at the size of a real consultation.

Builds, in one database, a consultation of 5,000 amendments, 100,000 comments and 1,000
organisations (on a charter of 40 articles in three languages, with a consolidation started) and
a twin a tenth the size, rows written in bulk. Then, for each page — the moderators' triage, the
workbench overview and its busiest article, the round's public account, the busiest article's
page, and the home page — prints the queries, the bytes and the time, as ratios that hold on any
machine: full / tenth, and page / home. Requests are interleaved (full, tenth, home, full, tenth,
home …), each in its own app context as in production; medians with min–max over --runs.

Goals: triage, workbench article and overview, round account each at most 1.5× full/tenth and
20× home; the article page at most 3× home with at most 12 queries.

Run: .venv/bin/python tests/bench/bench_scale.py [--database postgresql://…] [--runs 15]
(the database is emptied; SQLite in a temporary directory by default)
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.accounts import services as accounts  # noqa: E402
from consult.charter import services as charter  # noqa: E402
from consult.consolidation import services as consolidation  # noqa: E402
from consult.documents.model import DocArticle, DocSection, Document  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import (  # noqa: E402
    Amendment, AmendmentKind, AmendmentStatus, Article, Charter, Comment, Organisation, OrganisationKind, Region, Role,
    Round, Support, User, VersionState, utcnow,
)

ARTICLES = 40
PASSWORD = "bench-password"
STATUSES = [AmendmentStatus.submitted, AmendmentStatus.accepted, AmendmentStatus.rejected,
            AmendmentStatus.accepted_in_part]
REGIONS = [r for r in Region if r is not Region.global_]


def body(n: int) -> str:
    return "\n\n".join(" ".join(f"word{n}x{k}" for k in range(p * 40, p * 40 + 40)) for p in range(4))


def build(slug: str, *, amendments: int, comments: int, organisations: int, moderator: User) -> dict:
    """One consultation, its rows inserted in bulk (the services' rules are not what is measured);
    the consolidation is started through its service, as the workbench does."""
    # The full consultation is the platform's charter, so the home page shows it.
    charter_row = Charter(slug=charter.MAIN_CHARTER_SLUG if slug == "full" else slug, titles={"en": f"Charter {slug}"})
    db.session.add(charter_row)
    documents = {locale: Document(title=slug, locale=locale, sections=[DocSection(title="Rights", articles=[
        DocArticle(str(n + 1), f"Right {n + 1} ({locale})", body(n), "article") for n in range(ARTICLES)])])
        for locale in ("en", "fr", "es")}
    version = charter.create_version(charter_row, documents, slug=f"{slug}-v1", labels={"en": f"{slug} V1"},
                                     state=VersionState.in_consultation)
    now = utcnow()
    opens = now - timedelta(days=90)
    round_ = Round(version=version, slug=f"{slug}-round", titles={"en": f"Round {slug}"}, descriptions={"en": "R"},
                   opens_at=opens, closes_at=now - timedelta(days=1))  # closed: ready to consolidate
    db.session.add(round_)
    db.session.flush()

    org_ids = _insert(Organisation, [
        {"name": f"City {slug} {n}", "kind": list(OrganisationKind)[n % len(OrganisationKind)],
         "country": "FR", "region": REGIONS[n % len(REGIONS)], "verified_at": now} for n in range(organisations)])
    people = organisations * 2
    user_ids = _insert(User, [
        {"email": f"p{n}@{slug}.test", "name": f"Person {n}", "password_hash": "x", "locale": "en",
         "organisation_id": org_ids[n % organisations] if n % 5 else None} for n in range(people)])
    user_org = {uid: (org_ids[n % organisations] if n % 5 else None) for n, uid in enumerate(user_ids)}
    article_ids = [a.id for a in charter.load_version(version)[0].articles]

    def moment(n: int, count: int):
        return opens + timedelta(seconds=int(n * 80 * 86400 / count))

    amendment_ids = _insert(Amendment, [
        {"round_id": round_.id, "article_id": article_ids[n % ARTICLES], "kind": AmendmentKind.modify,
         "locale": ("en", "fr", "es")[n % 3], "base_title": f"Right {n % ARTICLES + 1} (en)",
         "base_text": body(n % ARTICLES), "title": f"Right {n % ARTICLES + 1} (en)",
         "body": body(n % ARTICLES).replace(f"word{n % ARTICLES}x{(n // ARTICLES) % 160}", f"amended{n}", 1),
         "rationale": f"Rationale {n}", "rationale_html": f"<p>Rationale {n}</p>",
         "author_id": user_ids[n % people], "organisation_id": user_org[user_ids[n % people]],
         "status": STATUSES[n % len(STATUSES)], "answer": "" if n % 4 == 0 else f"Answer {n}",
         "answer_html": "" if n % 4 == 0 else f"<p>Answer {n}</p>",
         "created_at": moment(n, amendments), "updated_at": moment(n, amendments)} for n in range(amendments)])
    _insert(Support, [
        {"amendment_id": amendment_ids[n % amendments], "user_id": user_ids[(n * 7 + n // amendments) % people],
         "organisation_id": user_org[user_ids[(n * 7 + n // amendments) % people]], "created_at": now}
        for n in range(amendments * 2)])
    # Every article carries the same share: the k-th comment on an article is on one of its
    # amendments when k ends in 9, else in the article's own discussion — a reply to the comment
    # before it when k is odd. The busiest article's discussion holds ~1,250 first-level comments
    # and ~1,000 replies at full size.
    def comment(n: int, parent_id: int | None = None) -> dict:
        k = n // ARTICLES
        return {"round_id": round_.id, "article_id": article_ids[n % ARTICLES], "author_id": user_ids[n % people],
                "organisation_id": user_org[user_ids[n % people]], "locale": ("fr", "en", "es")[n % 3],
                "amendment_id": amendment_ids[n % ARTICLES + ARTICLES * (k % (amendments // ARTICLES))]
                if k % 10 == 9 else None,  # one of the same article's
                "parent_id": parent_id,
                "body": f"Comment {n} on the article, long enough to look like a real one.",
                "body_html": f"<p>Comment {n} on the article, long enough to look like a real one.</p>",
                "created_at": moment(n, comments), "updated_at": moment(n, comments)}

    def is_reply(n: int) -> bool:
        return (n // ARTICLES) % 2 == 1 and (n // ARTICLES) % 10 != 9

    first = [n for n in range(comments) if not is_reply(n)]
    ids: dict[int, int] = {}
    for start in range(0, len(first), 10_000):
        chunk = first[start:start + 10_000]
        ids.update(zip(chunk, _insert(Comment, [comment(n) for n in chunk])))
    replies = [n for n in range(comments) if is_reply(n)]
    for start in range(0, len(replies), 10_000):
        _insert(Comment, [comment(n, ids[n - ARTICLES]) for n in replies[start:start + 10_000]], returning=False)
    db.session.commit()
    new = consolidation.start(moderator, version, {"en": f"{slug} V2"})
    db.session.commit()
    busiest_new = db.session.scalar(sa.select(Article.id).where(Article.version_id == new.id)
                                    .order_by(Article.position).limit(1))
    return {"round": round_.id, "article": article_ids[0], "version": new.id, "workbench_article": busiest_new}


def _insert(model, rows: list[dict], returning: bool = True) -> list[int]:
    if not returning:
        db.session.execute(sa.insert(model), rows)
        return []
    return list(db.session.scalars(sa.insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def pages(ids: dict) -> dict[str, str]:
    return {
        "triage": f"/moderation/rounds/{ids['round']}/triage",
        "workbench article": f"/consolidation/articles/{ids['workbench_article']}",
        "workbench overview": f"/consolidation/{ids['version']}/",
        "round account": f"/rounds/{ids['round']}",
        "article page": f"/charter/articles/{ids['article']}?round={ids['round']}",
    }


def request(client, engine, url: str) -> tuple[float, int, int]:
    """Seconds, queries and bytes of one request (the client pushes its own app context)."""
    queries = []

    def count(*_args):
        queries.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        start = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - start
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return seconds, len(queries), len(response.data)


def median(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"


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
            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.create_all()
            began = time.perf_counter()
            moderator = accounts.register(email="moderator@bench.test", name="Moderator", password=PASSWORD,
                                          locale="en", organisation=None, role=Role.moderator)
            db.session.commit()
            full = build("full", amendments=args.amendments, comments=args.comments,
                         organisations=args.organisations, moderator=moderator)
            tenth = build("tenth", amendments=args.amendments // 10, comments=args.comments // 10,
                          organisations=args.organisations // 10, moderator=moderator)
            with db.engine.begin() as conn:
                # A consultation that grew over weeks has planner statistics (autovacuum gathers
                # them); one loaded in seconds has none until it runs, and the plans are a guess.
                conn.exec_driver_sql("ANALYZE")
            built = time.perf_counter() - began
            engine = db.engine
        print(f"database: {uri.split(':')[0]}; built in {built:.0f} s: full = {args.amendments:,} amendments, "
              f"{args.comments:,} comments, {args.organisations:,} organisations; tenth = a tenth of each")

        client = app.test_client()  # no app context held around it: each request pushes its own
        assert client.post("/account/login", data={"email": "moderator@bench.test",
                                                   "password": PASSWORD}).status_code == 302
        urls = [("home", "home", "/")] + [
            (name, size, url) for name in pages(full) for size, url in (("full", pages(full)[name]),
                                                                         ("tenth", pages(tenth)[name]))]
        for _name, _size, url in urls:
            request(client, engine, url)  # warm up
        results = {(name, size): [] for name, size, _url in urls}
        for _ in range(args.runs):
            for name, size, url in urls:
                results[(name, size)].append(request(client, engine, url))

    def times(key):
        return [seconds for seconds, _q, _b in results[key]]

    home = statistics.median(times(("home", "home")))
    _s, home_queries, home_bytes = results[("home", "home")][0]
    print(f"\nmedian (min–max) of {args.runs} interleaved runs; logged in as a moderator")
    print(f"{'home':19} {median(times(('home', 'home')))} {home_queries:3} queries {home_bytes / 1024:7.1f} KiB")
    for name in pages(full):
        full_t, tenth_t = statistics.median(times((name, "full"))), statistics.median(times((name, "tenth")))
        _s, full_q, full_b = results[(name, "full")][0]
        _s, tenth_q, tenth_b = results[(name, "tenth")][0]
        print(f"{name:19} full  {median(times((name, 'full')))} {full_q:3} queries {full_b / 1024:7.1f} KiB | "
              f"tenth {median(times((name, 'tenth')))} {tenth_q:3} queries {tenth_b / 1024:7.1f} KiB")
        print(f"{'':19} full/tenth: time {full_t / tenth_t:4.2f}×, bytes {full_b / tenth_b:4.2f}×; "
              f"full/home: time {full_t / home:5.1f}×, bytes {full_b / home_bytes:5.1f}×")


if __name__ == "__main__":
    main()
