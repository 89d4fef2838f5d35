"""Benchmark: consolidating 40 articles with 2,000 accepted amendments.

It builds, in one database, that consultation and a twin a tenth the size, starts both
consolidations, times the workbench overview of each (page and query count, interleaved with the
home page) and applies every accepted amendment of both (merge + save + provenance), interleaved at
the same pace (one of the small one, ten of the full one …), so that the per-amendment costs, full
/ small, are a ratio that holds on any machine and under any background load. With --routes every
amendment goes through the workbench's own pages instead (the article, the merge, the
confirmation), each request in its own app context, as a moderator would apply it. With --apply-all
each version's amendments go in at once, through "apply all that merge cleanly, in every article"
(its preview, then its confirmation), the small one's and the full one's in turn.
Run: .venv/bin/python tests/bench/bench_consolidation.py [--database URL] [--routes | --apply-all]
     [--amendments N] [--small M] (M instead of a tenth: with 40 articles, 2,000 against 4,000
     compares two consultations whose workbench pages are both full, 20 pending cards a page)
(the database is emptied; SQLite in a temporary directory by default)
"""

import argparse
import functools
import html
import re
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
    Amendment, AmendmentKind, AmendmentStatus, Article, Charter, Role, Round, Version, VersionState, utcnow,
)

WORDS_PER_ARTICLE = 220


def article_body(n: int) -> str:
    return " ".join(f"w{n}x{k}" for k in range(WORDS_PER_ARTICLE))


def build(slug: str, n_articles: int, n_amendments: int, author):
    """A consulted version of n_articles with n_amendments accepted ones, and its consolidation started."""
    charter_row = Charter(slug=slug, titles={"en": f"Bench charter {slug}"})
    db.session.add(charter_row)
    documents = {
        locale: Document(title="Bench", locale=locale, sections=[DocSection(title="Rights", articles=[
            DocArticle(str(n + 1), f"Article {n + 1}", article_body(n), "article") for n in range(n_articles)])])
        for locale in ("en", "fr", "es")
    }
    version = charter.create_version(charter_row, documents, slug=f"{slug}-v1", labels={"en": "V1"},
                                     state=VersionState.in_consultation)
    now = utcnow()
    round_ = Round(version=version, slug=f"{slug}-round", titles={"en": "R"}, descriptions={"en": "R"},
                   opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
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
    return version


def moderator_of():
    from consult.models import User

    return db.session.scalar(sa.select(User).where(User.email == "mod@bench.test"))


def pending_pairs(new) -> list[tuple[int, int]]:
    """(article of the new version, amendment) for every accepted amendment still pending, article
    by article, as a moderator goes through them (all of them: the workbench shows a page at a time)."""
    by_lineage = {a.lineage_id: a.id for a in consolidation.articles(new)}
    rows = db.session.execute(
        sa.select(Article.lineage_id, Amendment.id).join(Article, Article.id == Amendment.article_id)
        .join(Round, Round.id == Amendment.round_id)
        .where(Round.version_id == new.based_on_id, Amendment.status.in_(consolidation.ACCEPTED),
               Amendment.incorporated_in_id.is_(None), Amendment.set_aside_reason.is_(None))
        .order_by(Article.position, Amendment.id))
    return [(by_lineage[lineage], amendment_id) for lineage, amendment_id in rows]


def run(app, n_articles: int, sizes: dict[str, int], through_routes: bool = False, repeats: int = 5,
        all_at_once: bool = False) -> dict:
    """Both consultations in one database; their amendments applied interleaved (one of the small
    one, then as many of the full one as keep both at the same pace), so that any load on the
    machine weighs on both alike."""
    figures = {label: {"conflicts": 0, "apply_all": 0.0, "overview_page": [], "home_page": []} for label in sizes}
    with app.app_context():
        db.drop_all()
        db.create_all()
        author = accounts.register(email="author@bench.test", name="Author", password="x" * 12, locale="en",
                                   organisation=None)
        moderator = accounts.register(email="mod@bench.test", name="Mod", password="x" * 12, locale="en",
                                      organisation=None, role=Role.moderator)
        db.session.commit()
        new, pairs = {}, {}
        for label, n in sizes.items():
            version = build(label, n_articles, n, author)
            start = time.perf_counter()
            new[label] = consolidation.start(moderator, version, {"en": "V2"}).id
            db.session.commit()
            figures[label]["start"] = time.perf_counter() - start
            pairs[label] = pending_pairs(db.session.get(Version, new[label]))
            assert len(pairs[label]) == n, (label, len(pairs[label]))
        db.session.remove()
        engine = db.engine

    client = app.test_client()  # no app context held around the requests: each pushes its own
    client.post("/account/login", data={"email": "mod@bench.test", "password": "x" * 12})
    for _ in range(repeats):  # the overview page, interleaved with the home page
        for label in sizes:
            queries = []
            listener = lambda *a, **k: queries.append(1)  # noqa: E731
            sa.event.listen(engine, "before_cursor_execute", listener)
            start = time.perf_counter()
            assert client.get(f"/consolidation/{new[label]}/").status_code == 200
            figures[label]["overview_page"].append(time.perf_counter() - start)
            sa.event.remove(engine, "before_cursor_execute", listener)
            figures[label]["overview_queries"] = len(queries)
            start = time.perf_counter()
            client.get("/")
            figures[label]["home_page"].append(time.perf_counter() - start)
    for label in sizes:
        for key in ("overview_page", "home_page"):
            figures[label][key] = statistics.median(figures[label][key])

    if all_at_once:
        for label, n in sizes.items():
            _all_at_once(client, new[label], figures[label])
            figures[label]["per_amendment_ms"] = figures[label]["apply_all"] / n * 1000
        engine.dispose()
        return figures
    apply = functools.partial(_through_route, client) if through_routes else functools.partial(_through_services, app)
    schedule = sorted(((k + 0.5) / len(pairs[label]), label, pair)
                      for label in sizes for k, pair in enumerate(pairs[label]))  # the same pace for each
    for _place, label, (article_id, amendment_id) in schedule:
        start = time.perf_counter()
        clean = apply(article_id, amendment_id)
        figures[label]["apply_all"] += time.perf_counter() - start
        figures[label]["conflicts"] += not clean
    for label, n in sizes.items():
        figures[label]["per_amendment_ms"] = figures[label]["apply_all"] / n * 1000
    engine.dispose()
    return figures


def _through_services(app, article_id: int, amendment_id: int) -> bool:
    """One amendment through the services, in its own app context and session."""
    with app.app_context():
        article = consolidation.load_article(article_id)
        amendment = db.session.get(Amendment, amendment_id)
        title, body = consolidation.preview(article, amendment)
        if body.clean:
            consolidation.incorporate(moderator_of(), article, amendment, title=title.text, body=body.text,
                                      expected_revision=article.exact_text("en").revision)
        db.session.commit()
        return body.clean


def _all_at_once(client, version_id: int, figures: dict) -> None:
    """The version's preview, then its confirmation: what a moderator does to apply every clean one."""
    start = time.perf_counter()
    preview = client.post(f"/consolidation/{version_id}/apply-all")
    figures["preview"] = time.perf_counter() - start
    assert preview.status_code == 200
    confirmed = re.findall(r'name="amendment" value="(\d+:\d+)"', preview.get_data(as_text=True))
    start = time.perf_counter()
    assert client.post(f"/consolidation/{version_id}/apply-all/confirm", data={"amendment": confirmed}).status_code == 302
    figures["confirm"] = time.perf_counter() - start
    figures["apply_all"] = figures["preview"] + figures["confirm"]
    figures["conflicts"] = 0


FORM_FIELD = re.compile(r'name="(revision|title)" value="([^"]*)"|<textarea name="body"[^>]*>(.*?)</textarea>', re.S)


def _through_route(client, article_id: int, amendment_id: int) -> bool:
    """What a moderator does for one amendment, request by request, each in its own app context:
    open the article, ask for the merge, confirm it (then the article again, where the redirect
    leads: the next amendment's first request)."""
    assert client.get(f"/consolidation/articles/{article_id}").status_code == 200
    merge = client.post(f"/consolidation/articles/{article_id}/apply/{amendment_id}")
    assert merge.status_code == 200
    page = merge.get_data(as_text=True)
    fields = {}
    for name, value, textarea in FORM_FIELD.findall(page):
        fields.setdefault(name or "body", html.unescape(value if name else textarea))
    if 'name="body" hidden' not in page:
        return False  # no clean merge to confirm as it is
    done = client.post(f"/consolidation/articles/{article_id}/incorporate/{amendment_id}", data=fields)
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--amendments", type=int, default=2000)
    parser.add_argument("--small", type=int, help="amendments of the smaller consultation (default: a tenth)")
    parser.add_argument("--routes", action="store_true",
                        help="apply through the workbench's own routes (requests) rather than its services")
    parser.add_argument("--apply-all", action="store_true",
                        help="apply each version's amendments at once: preview and confirm of every article")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "WTF_CSRF_ENABLED": False}, instance_path=tmp)
        sizes = {"small": args.small or args.amendments // 10, "full": args.amendments}
        figures = run(app, args.articles, sizes, args.routes, all_at_once=args.apply_all)
    small, big = figures["small"], figures["full"]
    way = ("'apply all that merge cleanly, in every article'" if args.apply_all else
           "the workbench routes" if args.routes else "the services")
    print(f"database: {uri.split(':')[0]}; {args.articles} articles; applied through {way}, both sizes in one database")
    if args.apply_all:
        for label in sizes:
            print(f"{label:5}: preview {figures[label]['preview']:.1f} s, confirm {figures[label]['confirm']:.1f} s")
    for label, n in sizes.items():
        f = figures[label]
        print(f"{label:5} {n:5} amendments: start {f['start']:.2f} s, overview page {f['overview_page'] * 1000:.0f} ms "
              f"({f['overview_queries']} queries), apply all {f['apply_all']:.1f} s "
              f"({f['per_amendment_ms']:.1f} ms each), conflicts {f['conflicts']}")
    print(f"ratios: per-amendment cost full/small = {big['per_amendment_ms'] / small['per_amendment_ms']:.2f}x; "
          f"overview page full/small = {big['overview_page'] / small['overview_page']:.2f}x; "
          f"overview page / home page = {big['overview_page'] / big['home_page']:.1f}x")


if __name__ == "__main__":
    main()
