"""Benchmark: exporting a large consultation.

Builds a round with 5,000 amendments and 100,000 comments (and, for comparison, one a tenth the
size), then times the streamed CSV and JSON exports of its contributions and records their peak
memory (tracemalloc, in a separate pass so that tracing does not slow the timed one). A stream
that never holds the consultation whole keeps about the same peak at ten times the size. It
also writes the charter of a consolidated version, every article noting the amendments it took
in, as PDF, against the same charter without provenance.
Run: .venv/bin/python tests/bench/bench_exports.py [--database URL]
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.charter import services as charter  # noqa: E402
from consult.documents import contributions  # noqa: E402
from consult.exports.contributions import rows  # noqa: E402
from consult.documents.model import DocArticle, DocSection, Document  # noqa: E402
from consult.exports import services as exports  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import (  # noqa: E402
    Amendment, AmendmentKind, AmendmentStatus, Charter, Comment, Incorporation, Organisation, OrganisationKind, Region,
    Round, User, VersionState, utcnow,
)

ARTICLES = 40


def body(n: int) -> str:
    return "\n\n".join(" ".join(f"word{n}x{k}" for k in range(p * 40, p * 40 + 40)) for p in range(5))


def build(n_amendments: int, n_comments: int):
    charter_row = Charter(slug="bench", titles={"en": "Bench charter"})
    db.session.add(charter_row)
    documents = {"en": Document(title="Bench", locale="en", sections=[DocSection(title="Rights", articles=[
        DocArticle(str(n + 1), f"Right number {n + 1}", body(n), "article") for n in range(ARTICLES)])])}
    version = charter.create_version(charter_row, documents, slug="v1", labels={"en": "V1"},
                                     state=VersionState.in_consultation)
    now = utcnow()
    round_ = Round(version=version, slug="bench-round", titles={"en": "R"}, descriptions={"en": "R"},
                   opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
    db.session.add(round_)
    organisations = [Organisation(name=f"City {n}", kind=OrganisationKind.local_government, country="FR",
                                  region=Region.europe) for n in range(50)]
    db.session.add_all(organisations)
    db.session.flush()
    users = [User(email=f"u{n}@bench.test", name=f"Person {n}", password_hash="x", locale="en",
                  organisation_id=organisations[n % 50].id) for n in range(500)]
    db.session.add_all(users)
    db.session.flush()
    article_ids = [a.id for a in charter.load_version(version)[0].articles]
    created = now - timedelta(days=30)
    db.session.execute(sa.insert(Amendment), [
        {"round_id": round_.id, "article_id": article_ids[n % ARTICLES], "kind": AmendmentKind.modify, "locale": "en",
         "base_title": "t", "base_text": body(n % ARTICLES), "title": "t", "body": body(n % ARTICLES) + " more",
         "rationale": "Because =1+1 matters", "rationale_html": "", "author_id": users[n % 500].id,
         "organisation_id": users[n % 500].organisation_id, "status": AmendmentStatus.accepted, "answer": "ok",
         "answer_html": "<p>ok</p>", "created_at": created, "updated_at": created}
        for n in range(n_amendments)])
    for start in range(0, n_comments, 10_000):
        db.session.execute(sa.insert(Comment), [
            {"round_id": round_.id, "article_id": article_ids[n % ARTICLES], "author_id": users[n % 500].id,
             "organisation_id": users[n % 500].organisation_id, "locale": "fr",
             "body": f"Commentaire numéro {n}, assez long pour ressembler à un vrai commentaire sur l'article.",
             "body_html": "", "created_at": created, "updated_at": created}
            for n in range(start, min(start + 10_000, n_comments))])
    db.session.commit()
    return round_


def incorporate_all(round_: Round) -> None:
    """Every amendment recorded as taken into its article of the version: provenance for the PDF."""
    mover = db.session.scalar(sa.select(User.id).limit(1))
    rows = db.session.execute(sa.select(Amendment.id, Amendment.article_id).where(Amendment.round_id == round_.id)).all()
    db.session.execute(sa.insert(Incorporation), [
        {"article_id": article_id, "amendment_id": amendment_id, "by_id": mover, "at": utcnow()}
        for amendment_id, article_id in rows])
    db.session.commit()


def measure(work) -> tuple[float, int]:
    """Seconds of one untraced pass, then the peak of Python allocations in a traced pass."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    db.session.expire_all()
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def export_contributions(round_id: int, fmt: str):
    def work():
        render, _mimetype = contributions.RENDERERS[fmt]
        written = 0
        for chunk in render(rows(round_id)):
            written += len(chunk)  # as a streamed response would send it
        return written
    return work


def run(app, n_amendments: int, n_comments: int) -> dict:
    with app.app_context():
        db.drop_all()
        db.create_all()
        round_id = build(n_amendments, n_comments).id
        figures = {fmt: measure(export_contributions(round_id, fmt)) for fmt in ("csv", "json")}
        round_ = db.session.get(Round, round_id)
        incorporate_all(round_)
        version = round_.version
        figures["pdf"] = measure(lambda: exports.render_charter(version, fmt="pdf", lang="en", provenance=False))
        figures["pdf+provenance"] = measure(lambda: exports.render_charter(version, fmt="pdf", lang="en",
                                                                           provenance=True))
        db.session.remove()
        db.engine.dispose()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database")
    parser.add_argument("--amendments", type=int, default=5000)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False},
                         instance_path=tmp)
        small = run(app, args.amendments // 10, args.comments // 10)
        full = run(app, args.amendments, args.comments)
    print(f"database: {uri.split(':')[0]}; full = {args.amendments:,} amendments + {args.comments:,} comments, "
          f"small = a tenth")
    for what in ("csv", "json", "pdf", "pdf+provenance"):
        (t_small, m_small), (t_full, m_full) = small[what], full[what]
        print(f"{what:15} small {t_small:6.2f} s {m_small / 2**20:6.1f} MiB peak | full {t_full:6.2f} s "
              f"{m_full / 2**20:6.1f} MiB peak | time x{t_full / t_small:.1f}, peak memory x{m_full / m_small:.2f}")
    print(f"provenance costs x{full['pdf+provenance'][0] / full['pdf'][0]:.2f} the time of the plain PDF "
          f"({args.amendments:,} amendments noted)")


if __name__ == "__main__":
    main()
