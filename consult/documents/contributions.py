"""The contributions of a round as CSV and JSON, streamed row by row.

Public exports carry no e-mail address, no IP and nothing hidden or deleted; every CSV cell a
spreadsheet would run as a formula is neutralised (OWASP's advice: prefix with an apostrophe).
"""

import csv
import io
import json
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from consult.extensions import db
from consult.models import Amendment, Article, Comment, Round, Support, Visibility

FIELDS = ["type", "id", "round", "article", "article_title", "amendment", "parent", "kind", "status", "locale",
          "author", "organisation", "organisation_kind", "country", "region", "stance", "title", "text",
          "rationale", "answer", "supports", "created_at"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def rows(round_: Round) -> Iterator[dict]:
    """Amendments then comments of the round, visible ones only, read in batches."""
    support_counts = dict(db.session.execute(
        sa.select(Support.amendment_id, sa.func.count()).join(Amendment, Amendment.id == Support.amendment_id)
        .where(Amendment.round_id == round_.id).group_by(Support.amendment_id)).all())
    titles = {a.id: a for a in db.session.scalars(sa.select(Article).where(Article.version_id == round_.version_id))}

    def person(c):
        organisation = c.organisation
        return {
            "author": c.author.name,
            "organisation": organisation.name if organisation else "",
            "organisation_kind": organisation.kind.value if organisation else "individual",
            "country": organisation.country if organisation else (c.author.country or ""),
            "region": organisation.region.value if organisation else "",
        }

    def article_fields(article_id):
        article = titles.get(article_id)
        text = article.text("en") if article else None
        return {"article": article.number if article else "", "article_title": text.title if text else ""}

    query = (sa.select(Amendment).where(Amendment.round_id == round_.id, Amendment.visibility == Visibility.visible)
             .order_by(Amendment.id).options(joinedload(Amendment.author), joinedload(Amendment.organisation))
             .execution_options(yield_per=BATCH))
    for a in db.session.scalars(query):
        yield {"type": "amendment", "id": a.id, "round": round_.slug, **article_fields(a.article_id), "amendment": "",
               "parent": "", "kind": a.kind.value, "status": a.status.value, "locale": a.locale, **person(a),
               "stance": "", "title": a.title, "text": a.body, "rationale": a.rationale, "answer": a.answer or "",
               "supports": support_counts.get(a.id, 0), "created_at": a.created_at.isoformat()}
    query = (sa.select(Comment).where(Comment.round_id == round_.id, Comment.visibility == Visibility.visible)
             .order_by(Comment.id).options(joinedload(Comment.author), joinedload(Comment.organisation))
             .execution_options(yield_per=BATCH))
    for c in db.session.scalars(query):
        yield {"type": "comment", "id": c.id, "round": round_.slug, **article_fields(c.article_id),
               "amendment": c.amendment_id or "", "parent": c.parent_id or "", "kind": "", "status": "",
               "locale": c.locale, **person(c), "stance": c.stance.value if c.stance else "", "title": "",
               "text": c.body, "rationale": "", "answer": "", "supports": "", "created_at": c.created_at.isoformat()}


def as_csv(records: Iterator[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for record in records:
        writer.writerow({key: neutralise(value) for key, value in record.items()})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_json(records: Iterator[dict]) -> Iterator[str]:
    """A JSON array written element by element, so it never sits whole in memory."""
    yield "[\n"
    first = True
    for record in records:
        yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]\n"


RENDERERS = {"csv": (as_csv, "text/csv; charset=utf-8"), "json": (as_json, "application/json")}
