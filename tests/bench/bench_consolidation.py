"""Benchmark: consolidating 40 articles with 2,000 accepted amendments.

In one run it builds the consultation, then times starting the consolidation, the workbench
overview (page and query count) and applying every amendment (merge + save + provenance), and
compares the cost per amendment with a run a tenth the size, so the figures are ratios that hold
on any machine. With --routes every amendment goes through the workbench's own pages instead
(the article, the merge, the confirmation), as a moderator would apply it.
Run: .venv/bin/python tests/bench/bench_consolidation.py [--database URL] [--routes]
"""

import argparse
import html
import re
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
    Amendment, AmendmentKind, AmendmentStatus, Charter, Role, Round, VersionState, utcnow,
)

WORDS_PER_ARTICLE = 220


def article_body(n: int) -> str:
    return " ".join(f"w{n}x{k}" for k in range(WORDS_PER_ARTICLE))


def build(n_articles: int, n_amendments: int):
    charter_row = Charter(slug="bench", titles={"en": "Bench charter"})
    db.session.add(charter_row)
    documents = {
        locale: Document(title="Bench", locale=locale, sections=[DocSection(title="Rights", articles=[
            DocArticle(str(n + 1), f"Article {n + 1}", article_body(n), "article") for n in range(n_articles)])])
        for locale in ("en", "fr", "es")
    }
    version = charter.create_version(charter_row, documents, slug="v1", labels={"en": "V1"},
                                     state=VersionState.in_consultation)
    now = utcnow()
    round_ = Round(version=version, slug="bench-round", titles={"en": "R"}, descriptions={"en": "R"},
                   opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
    author = accounts.register(email="author@bench.test", name="Author", password="x" * 12, locale="en", organisation=None)
    moderator = accounts.register(email="mod@bench.test", name="Mod", password="x" * 12, locale="en",
                                  organisation=None, role=Role.moderator)
    db.session.add(round_)
    articles = consolidation.articles(version)
    per_article = n_amendments // n_articles
    rows = []
    for index, article in enumerate(articles):
        words = article_body(index).split(" ")
        for k in range(per_article):
            changed = list(words)
            changed[2 * k + 1] = f"amended{k}"  # every other word: never touching each other
            rows.append(Amendment(round=round_, article=article, kind=AmendmentKind.modify, locale="en",
                                  base_title=article.text("en").title, base_text=article.text("en").body,
                                  title=article.text("en").title, body=" ".join(changed), rationale="r",
                                  rationale_html="<p>r</p>", author=author, status=AmendmentStatus.accepted,
                                  answer="ok", answer_html="<p>ok</p>"))
    db.session.add_all(rows)
    db.session.commit()
    return version, moderator


def moderator_of():
    from consult.models import User

    return db.session.scalar(sa.select(User).where(User.email == "mod@bench.test"))


def run(app, n_articles: int, n_amendments: int, through_routes: bool = False) -> dict:
    with app.app_context():
        db.drop_all()
        db.create_all()
        version, moderator = build(n_articles, n_amendments)
        figures = {}
        start = time.perf_counter()
        new = consolidation.start(moderator, version, {"en": "V2"})
        db.session.commit()
        figures["start"] = time.perf_counter() - start

        client = app.test_client()
        client.post("/account/login", data={"email": "mod@bench.test", "password": "x" * 12})
        queries = []
        listener = lambda *a, **k: queries.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        start = time.perf_counter()
        assert client.get(f"/consolidation/{new.id}/").status_code == 200
        figures["overview_page"] = time.perf_counter() - start
        sa.event.remove(db.engine, "before_cursor_execute", listener)
        figures["overview_queries"] = len(queries)
        start = time.perf_counter()
        client.get("/")
        figures["home_page"] = time.perf_counter() - start

        # one amendment per request, as the workbench does: a fresh session each time
        pairs = [(row.article.id, amendment.id) for row in consolidation.overview(new) if row.pending
                 for amendment in consolidation.article_work(row.article).amendments if consolidation.is_pending(amendment)]
        db.session.remove()
        if not through_routes:
            figures["apply_all"], figures["conflicts"] = _through_services(pairs)
        engine = db.engine
    if through_routes:  # no app context held around the requests: each pushes its own, as in production
        figures["apply_all"], figures["conflicts"] = _through_routes(client, pairs)
    figures["per_amendment_ms"] = figures["apply_all"] / n_amendments * 1000
    engine.dispose()
    return figures


def _through_services(pairs: list[tuple[int, int]]) -> tuple[float, int]:
    start = time.perf_counter()
    conflicts = 0
    for article_id, amendment_id in pairs:
        article = consolidation.load_article(article_id)
        amendment = db.session.get(Amendment, amendment_id)
        title, body = consolidation.preview(article, amendment)
        if not body.clean:
            conflicts += 1
        else:
            consolidation.incorporate(moderator_of(), article, amendment, title=title.text, body=body.text,
                                      expected_revision=article.exact_text("en").revision)
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - start, conflicts


FORM_FIELD = re.compile(r'name="(revision|title)" value="([^"]*)"|<textarea name="body"[^>]*>(.*?)</textarea>', re.S)


def _through_routes(client, pairs: list[tuple[int, int]]) -> tuple[float, int]:
    """What a moderator does for each amendment, request by request, each in its own app context:
    open the article, ask for the merge, confirm it (then the article again, where the redirect
    leads)."""
    conflicts = 0
    start = time.perf_counter()
    for article_id, amendment_id in pairs:
        assert client.get(f"/consolidation/articles/{article_id}").status_code == 200
        merge = client.post(f"/consolidation/articles/{article_id}/apply/{amendment_id}")
        assert merge.status_code == 200
        fields = {}
        for name, value, textarea in FORM_FIELD.findall(merge.get_data(as_text=True)):
            fields.setdefault(name or "body", html.unescape(value if name else textarea))
        if 'name="body" hidden' not in merge.get_data(as_text=True):
            conflicts += 1  # no clean merge to confirm as it is
            continue
        done = client.post(f"/consolidation/articles/{article_id}/incorporate/{amendment_id}", data=fields)
        assert done.status_code == 302, done.get_data(as_text=True)[:500]
    return time.perf_counter() - start, conflicts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--amendments", type=int, default=2000)
    parser.add_argument("--routes", action="store_true",
                        help="apply through the workbench's own routes (requests) rather than its services")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "WTF_CSRF_ENABLED": False}, instance_path=tmp)
        small = run(app, args.articles, args.amendments // 10, args.routes)
        big = run(app, args.articles, args.amendments, args.routes)
    print(f"database: {uri.split(':')[0]}; {args.articles} articles; applied through "
          f"{'the workbench routes' if args.routes else 'the services'}")
    for label, f, n in (("small", small, args.amendments // 10), ("full", big, args.amendments)):
        print(f"{label:5} {n:5} amendments: start {f['start']:.2f} s, overview page {f['overview_page'] * 1000:.0f} ms "
              f"({f['overview_queries']} queries), apply all {f['apply_all']:.1f} s "
              f"({f['per_amendment_ms']:.1f} ms each), conflicts {f['conflicts']}")
    print(f"ratios: per-amendment cost full/small = {big['per_amendment_ms'] / small['per_amendment_ms']:.2f}x; "
          f"overview page full/small = {big['overview_page'] / small['overview_page']:.2f}x; "
          f"overview page / home page = {big['overview_page'] / big['home_page']:.1f}x")


if __name__ == "__main__":
    main()
