"""A round's contributions read for export: visible ones only, the exported columns selected as
they are, in batches; rendered by `documents.contributions` as CSV or JSON."""

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from consult.accounts.privacy import shown_name
from consult.extensions import db
from consult.models import Amendment, Article, Comment, Organisation, Round, Support, User, Visibility

BATCH = 500


def rows(round_id: int) -> Iterator[dict]:
    """Amendments then comments of the round, visible ones only, read in batches.

    It takes the round's id, not the round: a streamed response is read after the request's
    session has closed, so whatever it reads it reads here. The exported columns are selected
    as they are; no contribution is loaded as an entity."""
    slug = db.session.scalar(sa.select(Round.slug).where(Round.id == round_id))
    articles = _article_fields(round_id)
    supports = sa.select(sa.func.count()).where(Support.amendment_id == Amendment.id).scalar_subquery()
    query = _contributions(Amendment, round_id, Amendment.kind, Amendment.status, Amendment.title, Amendment.body,
                           Amendment.rationale, Amendment.answer, supports.label("supports"))
    for a in db.session.execute(query):
        yield {"type": "amendment", "id": a.id, "round": slug, **articles.get(a.article_id, _NO_ARTICLE),
               "amendment": "", "parent": "", "kind": a.kind.value, "status": a.status.value, "locale": a.locale,
               **_person(a), "stance": "", "title": a.title, "text": a.body, "rationale": a.rationale,
               "answer": a.answer or "", "supports": a.supports, "created_at": a.created_at.isoformat()}
    query = _contributions(Comment, round_id, Comment.amendment_id, Comment.parent_id, Comment.stance, Comment.body)
    for c in db.session.execute(query):
        yield {"type": "comment", "id": c.id, "round": slug, **articles.get(c.article_id, _NO_ARTICLE),
               "amendment": c.amendment_id or "", "parent": c.parent_id or "", "kind": "", "status": "",
               "locale": c.locale, **_person(c), "stance": c.stance.value if c.stance else "", "title": "",
               "text": c.body, "rationale": "", "answer": "", "supports": "", "created_at": c.created_at.isoformat()}


def _contributions(model: type[Amendment] | type[Comment], round_id: int, *columns) -> sa.Select:
    """The visible amendments or comments of a round with who wrote them, plus `columns`.

    A contribution a moderator entered for an organisation (from an in-person meeting) is the
    organisation's: its author is the organisation, the moderator is named only as who recorded it."""
    author, recorder = aliased(User), aliased(User)
    return (
        sa.select(model.id, model.article_id, model.locale, model.created_at, model.recorded_source,
                  sa.case((model.on_behalf_of_organisation, Organisation.name), else_=author.name).label("author"),
                  author.country.label("author_country"), Organisation.name.label("organisation"),
                  Organisation.kind.label("organisation_kind"), Organisation.country.label("organisation_country"),
                  Organisation.region, recorder.name.label("recorded_by"), *columns)
        .join(author, author.id == model.author_id)
        .outerjoin(Organisation, Organisation.id == model.organisation_id)
        .outerjoin(recorder, recorder.id == model.recorded_by_id)
        .where(model.round_id == round_id, model.visibility == Visibility.visible)
        .order_by(model.id)
        .execution_options(yield_per=BATCH)
    )


def _person(row) -> dict:
    organisation = row.organisation is not None
    return {
        "author": shown_name(row.author),
        "organisation": row.organisation or "",
        "organisation_kind": row.organisation_kind.value if organisation else "individual",
        "country": (row.organisation_country if organisation else row.author_country) or "",
        "region": row.region.value if organisation else "",
        "recorded_by": shown_name(row.recorded_by) if row.recorded_by is not None else "",
        "source": row.recorded_source or "",
    }


_NO_ARTICLE = {"article": "", "article_title": ""}


def _article_fields(round_id: int) -> dict[int, dict]:
    """Number and English title of every article of the round's version: one query, a few dozen rows."""
    articles = db.session.scalars(
        sa.select(Article).join(Round, Round.version_id == Article.version_id).where(Round.id == round_id)
        .options(selectinload(Article.texts), joinedload(Article.version)))
    fields = {}
    for article in articles:
        text = article.text("en")
        fields[article.id] = {"article": article.number, "article_title": text.title if text else ""}
    return fields
