"""What the API reads: every list a keyset page (the rows after a cursor, by id) read with a fixed
number of queries whatever its size, and what each record shows as plain JSON values."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from consult.amendments.services import AmendmentFilters, support_summaries
from consult.extensions import db
from consult.models import (
    Amendment, Article, Charter, Comment, Incorporation, Organisation, Round, Section, Version, Visibility,
)
from consult.permissions import Action, decide
from consult.rounds import services as rounds

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class BadRequest(ValueError):
    """A parameter the API cannot use; the message says which (English: it is for programmers)."""


# --- pages -------------------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("The cursor is not one this API gave.") from None
    if not value.isdigit() or len(value) > 18:
        raise BadRequest("The cursor is not one this API gave.")
    return int(value)


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


def parse_id(args, name: str) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 18:
        raise BadRequest(f"{name} must be an id (a whole number).")
    return int(value)


def parse_choice(args, name: str, allowed) -> str:
    value = args.get(name, "")
    if value and value not in allowed:
        raise BadRequest(f"{name} must be one of: {', '.join(sorted(allowed))}.")
    return value


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def keyset(query: sa.Select, id_column, after: int, limit: int) -> Page:
    """The `limit` rows after id `after`, in id order, and the cursor of the next page if there is one."""
    rows = list(db.session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more else None)


# --- what a caller may see -------------------------------------------------------------------


def may_read(user, version: Version) -> bool:
    """Published and consulted versions for anyone; drafts and versions being consolidated only for
    the secretariat (the rule of exports: consult.permissions, Action.export_version)."""
    return bool(decide(user, Action.export_version, version))


def readable_version_ids(user) -> list[int]:
    """One query for the few versions there are; every list below keeps to these."""
    return [v.id for v in db.session.scalars(sa.select(Version)) if may_read(user, v)]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


# --- charters and versions -----------------------------------------------------------------------


def charters(user, after: int, limit: int) -> Page:
    return keyset(sa.select(Charter).options(selectinload(Charter.versions)), Charter.id, after, limit)


def charter_json(charter: Charter, user) -> dict:
    return {"id": charter.id, "slug": charter.slug, "titles": charter.titles,
            "versions": [v.id for v in charter.versions if may_read(user, v)],
            "updated_at": _iso(charter.updated_at)}


def versions(user, after: int, limit: int) -> Page:
    return keyset(sa.select(Version).where(Version.id.in_(readable_version_ids(user))), Version.id, after, limit)


def version_json(version: Version) -> dict:
    return {"id": version.id, "charter_id": version.charter_id, "slug": version.slug, "labels": version.labels,
            "state": version.state.value, "source_locale": version.source_locale, "based_on_id": version.based_on_id,
            "published_at": _iso(version.published_at), "updated_at": _iso(version.updated_at)}


def version_with_text(version_id: int) -> Version | None:
    """The version, its sections, articles and every text: four queries."""
    return db.session.scalar(sa.select(Version).where(Version.id == version_id).options(
        selectinload(Version.sections).selectinload(Section.articles).selectinload(Article.texts)))


def article_json(article: Article) -> dict:
    return {"id": article.id, "number": article.number, "numbering": article.numbering, "position": article.position,
            "lineage_id": article.lineage_id,
            "texts": [{"locale": t.locale, "title": t.title, "body": t.body, "status": t.status.value,
                       "revision": t.revision, "updated_at": _iso(t.updated_at)}
                      for t in sorted(article.texts, key=lambda t: t.locale)]}


def version_detail_json(version: Version) -> tuple[dict, datetime | None]:
    moments = [version.updated_at]
    sections = []
    for section in version.sections:
        sections.append({"id": section.id, "position": section.position, "titles": section.titles,
                         "articles": [article_json(a) for a in section.articles]})
        moments += [t.updated_at for a in section.articles for t in a.texts]
    return {**version_json(version), "sections": sections}, latest(*moments)


def provenance_json(version: Version) -> dict:
    """Each article of the version in order, with the amendments it took in: two queries."""
    articles = db.session.scalars(sa.select(Article).where(Article.version_id == version.id).order_by(Article.position))
    taken: dict[int, list] = {}
    for incorporation, round_id in db.session.execute(
        sa.select(Incorporation, Amendment.round_id).join(Amendment, Amendment.id == Incorporation.amendment_id)
        .join(Article, Article.id == Incorporation.article_id).where(Article.version_id == version.id)
        .order_by(Incorporation.at, Incorporation.id)
    ):
        taken.setdefault(incorporation.article_id, []).append(
            {"amendment_id": incorporation.amendment_id, "round_id": round_id, "incorporated_at": _iso(incorporation.at)})
    return {"version_id": version.id,
            "articles": [{"article_id": a.id, "number": a.number, "lineage_id": a.lineage_id,
                          "amendments": taken.get(a.id, [])} for a in articles]}


# --- rounds --------------------------------------------------------------------------------------


def rounds_page(user, after: int, limit: int) -> Page:
    return keyset(sa.select(Round).where(Round.version_id.in_(readable_version_ids(user))), Round.id, after, limit)


def round_json(round_: Round) -> dict:
    return {"id": round_.id, "version_id": round_.version_id, "slug": round_.slug, "titles": round_.titles,
            "descriptions": round_.descriptions, "region": round_.region.value, "opens_at": _iso(round_.opens_at),
            "closes_at": _iso(round_.closes_at), "closed_early_at": _iso(round_.closed_early_at),
            "phase": round_.phase().value, "allows_amendments": round_.allows_amendments,
            "allows_comments": round_.allows_comments, "allows_supports": round_.allows_supports,
            "restricted_to_region": round_.restricted_to_region,
            "requires_verified_organisation": round_.requires_verified_organisation,
            "updated_at": _iso(round_.updated_at)}


def round_detail_json(round_: Round) -> dict:
    """The round with its public account (consult.rounds.services.account: the same figures as its page)."""
    account = rounds.account(round_)
    return {**round_json(round_), "state": rounds.state(round_).value, "figures": {
        "participants": account.participants, "organisations": account.organisations,
        "amendments": account.amendments, "comments": account.comments, "supports": account.supports,
        "participants_by_region": dict(account.participants_by_region),
        "organisations_by_region": dict(account.organisations_by_region),
        "participants_by_kind": dict(account.participants_by_kind),
        "contributions_by_language": dict(account.contributions_by_language),
        "amendments_by_status": dict(account.amendments_by_status),
        "contributions_by_week": [{"week_starting": _iso(start), "contributions": n}
                                  for start, n in account.contributions_by_week],
    }}


# --- amendments and comments --------------------------------------------------------------------


def _in_readable_rounds(model, user):
    return model.round_id.in_(sa.select(Round.id).where(Round.version_id.in_(readable_version_ids(user))))


def amendments(user, args, after: int, limit: int) -> Page:
    from consult.models import AmendmentStatus, OrganisationKind, Region

    filters = AmendmentFilters(
        status=parse_choice(args, "status", {s.value for s in AmendmentStatus}),
        locale=parse_choice(args, "locale", {"en", "fr", "es"}),
        region=parse_choice(args, "region", {r.value for r in Region}),
        kind_of_organisation=parse_choice(args, "kind", {k.value for k in OrganisationKind}),
    )
    query = (sa.select(Amendment).options(joinedload(Amendment.organisation))
             .where(Amendment.visibility == Visibility.visible, _in_readable_rounds(Amendment, user),
                    *filters.conditions()))
    if (round_id := parse_id(args, "round")) is not None:
        query = query.where(Amendment.round_id == round_id)
    if (article_id := parse_id(args, "article")) is not None:
        query = query.where(Amendment.article_id == article_id)
    return keyset(query, Amendment.id, after, limit)


def visible_amendment(user, amendment_id: int) -> Amendment | None:
    return db.session.scalar(sa.select(Amendment).options(joinedload(Amendment.organisation)).where(
        Amendment.id == amendment_id, Amendment.visibility == Visibility.visible, _in_readable_rounds(Amendment, user)))


def _organisation(organisation: Organisation | None) -> dict | None:
    return organisation and {"id": organisation.id, "name": organisation.name}


def amendments_json(items: list[Amendment]) -> list[dict]:
    """The amendments with their supports: one more grouped query for the whole page."""
    supports = support_summaries([a.id for a in items])
    result = []
    for a in items:
        summary = supports.get(a.id)
        result.append({
            "id": a.id, "round_id": a.round_id, "article_id": a.article_id, "kind": a.kind.value, "locale": a.locale,
            "status": a.status.value, "base_title": a.base_title, "base_text": a.base_text, "title": a.title,
            "body": a.body, "rationale": a.rationale, "answer": a.answer, "answered_at": _iso(a.answered_at),
            "duplicate_of_id": a.duplicate_of_id, "incorporated_in_id": a.incorporated_in_id,
            "organisation": _organisation(a.organisation),
            "supports": {"people": summary.people if summary else 0,
                         "organisations": summary.organisations if summary else 0,
                         "regions": summary.regions if summary else 0},
            "created_at": _iso(a.created_at), "updated_at": _iso(a.updated_at),
        })
    return result


def comments(user, args, after: int, limit: int) -> Page:
    query = (sa.select(Comment).options(joinedload(Comment.organisation))
             .where(Comment.visibility == Visibility.visible, _in_readable_rounds(Comment, user)))
    for name, column in (("round", Comment.round_id), ("article", Comment.article_id),
                         ("amendment", Comment.amendment_id)):
        if (value := parse_id(args, name)) is not None:
            query = query.where(column == value)
    # nor the discussion of an amendment that is itself hidden or deleted
    not_shown = sa.select(Amendment.id).where(Amendment.visibility != Visibility.visible)
    query = query.where(sa.or_(Comment.amendment_id.is_(None), Comment.amendment_id.not_in(not_shown)))
    return keyset(query, Comment.id, after, limit)


def comment_json(c: Comment) -> dict:
    return {"id": c.id, "round_id": c.round_id, "article_id": c.article_id, "amendment_id": c.amendment_id,
            "parent_id": c.parent_id, "locale": c.locale, "body": c.body,
            "stance": c.stance.value if c.stance else None, "organisation": _organisation(c.organisation),
            "created_at": _iso(c.created_at), "edited_at": _iso(c.edited_at)}


# --- organisations -------------------------------------------------------------------------------


def organisations(after: int, limit: int) -> Page:
    return keyset(sa.select(Organisation), Organisation.id, after, limit)


def organisation_json(o: Organisation) -> dict:
    """Public fields only: never its people, its contact or anyone's address."""
    return {"id": o.id, "name": o.name, "kind": o.kind.value, "country": o.country, "region": o.region.value,
            "verified": o.is_verified}
