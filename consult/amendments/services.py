"""Rules about amendments: proposing against an exact base text, editing with history,
withdrawing, race-safe supports, and reading an article's amendments at a fixed cost."""

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from consult.comments.services import FOUND_BY_READERS, OrganisationFace, PersonFace, who_fields, who_from_row, with_who
from consult import signals
from consult.contributions import create_once, lock_open_round
from consult.database import lock_row
from consult.extensions import db
from consult.models import (
    Amendment,
    AmendmentKind,
    AmendmentRevision,
    AmendmentStatus,
    Article,
    Comment,
    Organisation,
    Round,
    Support,
    User,
    Visibility,
    utcnow,
)
from consult.text.markdown import render_markdown


class AmendmentError(ValueError):
    """A rule was broken; the message is shown to the person (already translated by the caller)."""


@dataclass
class Proposal:
    kind: AmendmentKind
    locale: str
    title: str
    body: str
    rationale: str


def propose(author: User, round_: Round, article: Article, proposal: Proposal, *, token: str | None = None,
            recorded_by: User | None = None, recorded_source: str | None = None) -> tuple[Amendment, bool]:
    """Store an amendment with the exact text it was written against. Returns (amendment, created)."""
    base = article.text(proposal.locale)
    if proposal.kind is AmendmentKind.modify and base and (proposal.title, proposal.body) == (base.title, base.body):
        raise AmendmentError("unchanged")
    rationale_html = render_markdown(proposal.rationale)  # before the lock: it is held only while writing

    def build() -> Amendment:
        keeps_base = proposal.kind is not AmendmentKind.add and base is not None
        return Amendment(
            round=round_,
            article=article,
            kind=proposal.kind,
            locale=proposal.locale,
            base_title=base.title if keeps_base else "",
            base_text=base.body if keeps_base else "",
            title="" if proposal.kind is AmendmentKind.delete else proposal.title.strip(),
            body="" if proposal.kind is AmendmentKind.delete else proposal.body.strip(),
            rationale=proposal.rationale.strip(),
            rationale_html=rationale_html,
            author=author,
            organisation=author.organisation,
            recorded_by=recorded_by,
            recorded_source=recorded_source,
        )

    lock_open_round(round_)
    amendment, created = create_once(Amendment, token, build)
    if created:
        signals.amendment_proposed.send(amendment)
    return amendment, created


def edit(amendment: Amendment, *, title: str, body: str, rationale: str) -> None:
    """Change an unanswered amendment; the earlier wording stays visible as its history."""
    if (amendment.title, amendment.body, amendment.rationale) == (title.strip(), body.strip(), rationale.strip()):
        return
    number = db.session.scalar(
        sa.select(sa.func.count()).select_from(AmendmentRevision).where(AmendmentRevision.amendment_id == amendment.id)
    )
    db.session.add(AmendmentRevision(
        amendment=amendment, number=number + 1, title=amendment.title, body=amendment.body,
        rationale=amendment.rationale, created_at=amendment.updated_at,
    ))
    if amendment.kind is not AmendmentKind.delete:
        amendment.title, amendment.body = title.strip(), body.strip()
    amendment.rationale = rationale.strip()
    amendment.rationale_html = render_markdown(amendment.rationale)
    db.session.flush()
    signals.amendment_edited.send(amendment)


def withdraw(amendment: Amendment) -> None:
    """Refused with AmendmentError when a moderator answered it meanwhile: the answer stands."""
    lock_row(amendment)
    if amendment.status is not AmendmentStatus.submitted:
        raise AmendmentError("answered")
    amendment.status = AmendmentStatus.withdrawn
    db.session.flush()
    signals.amendment_withdrawn.send(amendment)


def history(amendment: Amendment) -> list[AmendmentRevision]:
    return list(db.session.scalars(amendment.revisions.select().order_by(AmendmentRevision.number.desc())))


# --- supports --------------------------------------------------------------------------------


def support(user: User, amendment: Amendment) -> bool:
    """Add the person's support once. Concurrent clicks never double or lose it: the insert
    does nothing on conflict with the (amendment, user) unique constraint."""
    lock_open_round(amendment.round)
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    statement = insert(Support).values(
        amendment_id=amendment.id, user_id=user.id, organisation_id=user.organisation_id, created_at=utcnow()
    ).on_conflict_do_nothing(index_elements=["amendment_id", "user_id"]).returning(Support.id)
    # RETURNING, not rowcount: psycopg reports no row count for INSERT … ON CONFLICT.
    added = db.session.execute(statement).scalar() is not None
    if added:
        signals.amendment_supported.send(amendment, supporter=user)
    return added


def withdraw_support(user: User, amendment: Amendment) -> bool:
    lock_open_round(amendment.round)
    result = db.session.execute(sa.delete(Support).where(Support.amendment_id == amendment.id, Support.user_id == user.id))
    return result.rowcount == 1


@dataclass(frozen=True)
class SupportSummary:
    people: int = 0
    organisations: int = 0
    regions: int = 0


def support_summaries(amendment_ids: list[int]) -> dict[int, SupportSummary]:
    """People, organisations and regions behind each amendment: one grouped query."""
    if not amendment_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Support.amendment_id,
            sa.func.count(Support.id),
            sa.func.count(sa.distinct(Support.organisation_id)),
            sa.func.count(sa.distinct(Organisation.region)),
        )
        .outerjoin(Organisation, Organisation.id == Support.organisation_id)
        .where(Support.amendment_id.in_(amendment_ids))
        .group_by(Support.amendment_id)
    )
    return {row[0]: SupportSummary(row[1], row[2], row[3]) for row in rows}


def supported_by(user: User | None, amendment_ids: list[int]) -> set[int]:
    if user is None or not user.is_authenticated or not amendment_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Support.amendment_id).where(Support.user_id == user.id, Support.amendment_id.in_(amendment_ids))
    ))


# --- reading ---------------------------------------------------------------------------------


SORTS = ("newest", "supported")
PAGE_SIZE = 20


@dataclass
class AmendmentFilters:
    status: str = ""
    locale: str = ""
    region: str = ""
    kind_of_organisation: str = ""
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "AmendmentFilters":
        """From a query string; unknown values are ignored rather than refused."""
        from consult.models import OrganisationKind, Region

        def choice(name: str, allowed) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        try:
            page = int(args.get("page", 1))
        except ValueError:
            page = 1
        return cls(
            status=choice("status", {s.value for s in AmendmentStatus}),
            locale=choice("language", {"en", "fr", "es"}),
            region=choice("region", {r.value for r in Region}),
            kind_of_organisation=choice("kind", {k.value for k in OrganisationKind}),
            sort=choice("sort", SORTS) or "newest",
            page=page,
        )

    def conditions(self) -> list:
        """The filters as conditions on Amendment (the article page and the triage share them)."""
        conditions = []
        if self.status:
            conditions.append(Amendment.status == self.status)
        if self.locale:
            conditions.append(Amendment.locale == self.locale)
        if self.region or self.kind_of_organisation:
            organisations = sa.select(Organisation.id)
            if self.region:
                organisations = organisations.where(Organisation.region == self.region)
            if self.kind_of_organisation:
                organisations = organisations.where(Organisation.kind == self.kind_of_organisation)
            conditions.append(Amendment.organisation_id.in_(organisations))
        return conditions


@dataclass
class AmendmentPage:
    items: list  # _Shown rows of the page's amendments
    total: int  # placeholders of hidden amendments included: what the pages divide
    visible: int  # amendments a reader finds, as every other count says
    page: int
    pages: int
    supports: dict[int, SupportSummary] = field(default_factory=dict)
    supported: set[int] = field(default_factory=set)
    comment_counts: dict[int, int] = field(default_factory=dict)
    faces: dict[int, "AmendmentFace"] = field(default_factory=dict)  # what each card shows, by id

    def cards(self) -> tuple:
        """The page as plain values, (face, support figures, comments) per amendment: what a reader
        who can act on none of them sees, so the key its whole markup is kept under."""
        return tuple((self.faces[a.id], self.supports.get(a.id, SupportSummary()), self.comment_counts[a.id])
                     for a in self.items)

    def reader_cards(self, rights) -> tuple:
        """The page as one logged-in reader sees it, as plain values: per amendment its face, support
        figures and comments, whether the reader supports it, whether they may support it (or take
        their support back) and whether they may moderate it (rights: permissions.AmendmentRights).
        The key its markup is kept under: it is never another reader's."""
        return tuple(
            (self.faces[a.id], self.supports.get(a.id, SupportSummary()), self.comment_counts[a.id], supported,
             rights.withdraw_support(a) if supported else rights.support(a), rights.moderate(a))
            for a in self.items for supported in (a.id in self.supported,))


def _support_count():
    return (
        sa.select(sa.func.count(Support.id)).where(Support.amendment_id == Amendment.id).correlate(Amendment).scalar_subquery()
    )


class _Shown(NamedTuple):
    """An amendment as read by a page of them: what _face() and permissions.AmendmentRights read."""

    id: int
    kind: AmendmentKind
    status: AmendmentStatus
    locale: str
    created_at: datetime
    visibility: Visibility
    hidden_reason: str | None
    base_title: str
    title: str
    base_text: str
    body: str
    rationale_html: str
    answer_html: str | None
    author_id: int
    organisation_id: int | None
    recorded_by_id: int | None
    recorded_source: str | None
    on_behalf_of_organisation: bool


def amendments_of_article(article: Article, round_: Round, filters: AmendmentFilters, viewer: User | None) -> AmendmentPage:
    """One page of an article's amendments in a round, with everything shown beside them: one
    query whatever the thread's length. The amendments are plain rows (_Shown), enough for their
    faces (AmendmentPage.cards()) and for what a reader may do to each (permissions.AmendmentRights):
    no Amendment object is loaded."""
    viewer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    conditions = tuple(filters.conditions())
    # Without filters (nearly every page), the query is built once per process: its values are parameters.
    with_viewer = viewer_id is not None
    statement = _amendment_page(filters.sort, with_viewer, conditions) if conditions \
        else _usual_amendment_page(filters.sort, with_viewer)
    values = dict(article_id=article.id, round_id=round_.id, viewer_id=viewer_id)

    def page_of(page: int) -> list:
        rows = db.session.execute(statement, dict(values, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)).all()
        n = len(_Shown._fields)
        return [(_Shown(*row[:n - 1], bool(row[n - 1])), *row[n:]) for row in rows]

    page = max(filters.page, 1)
    rows, total, visible = page_of(page), 0, 0
    if rows:
        total, visible = rows[0][6:8]
    elif page > 1:  # past the end (an old link): the last page
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(
            Amendment.article_id == article.id, Amendment.round_id == round_.id, *conditions))
        page = max(1, -(-total // PAGE_SIZE))
        rows = page_of(page)
        total, visible = rows[0][6:8] if rows else (0, 0)
    result = AmendmentPage(items=[], total=total, visible=visible, page=page, pages=max(1, -(-total // PAGE_SIZE)))
    for amendment, people, organisations, regions, supported, n_comments, _total, _visible, *who in rows:
        result.items.append(amendment)
        result.faces[amendment.id] = _face(amendment, who)
        if people:
            result.supports[amendment.id] = SupportSummary(people, organisations, regions)
        if supported:
            result.supported.add(amendment.id)
        result.comment_counts[amendment.id] = n_comments
    return result


def _amendment_page(sort: str, with_viewer: bool, conditions: tuple = ()) -> sa.Select:
    """The query of a page of amendments (parameters: article_id, round_id, viewer_id, limit, offset).
    Its rows: (amendment as the columns of _Shown, people, organisations, regions, supported by the
    viewer, comments, total, visible, *who)."""
    where = [Amendment.article_id == sa.bindparam("article_id"), Amendment.round_id == sa.bindparam("round_id"),
             *conditions]
    order = (_support_count().desc(), Amendment.id.desc()) if sort == "supported" else (Amendment.id.desc(),)
    # Beside each amendment, in the same query: its support figures, the viewer's support, its
    # comments, and what the whole selection counts (placeholders included, and without them).
    of_it = Support.amendment_id == Amendment.id
    figures = (
        _support_count(),
        sa.select(sa.func.count(sa.distinct(Support.organisation_id))).where(of_it).scalar_subquery(),
        sa.select(sa.func.count(sa.distinct(Organisation.region))).select_from(Support)
        .outerjoin(Organisation, Organisation.id == Support.organisation_id).where(of_it).scalar_subquery(),
    )
    mine = sa.exists().where(of_it, Support.user_id == sa.bindparam("viewer_id")) if with_viewer else sa.false()
    comments = sa.select(sa.func.count()).where(FOUND_BY_READERS, Comment.amendment_id == Amendment.id).scalar_subquery()
    selection = (sa.func.count().over().label("total"),
                 sa.func.count(sa.case((Amendment.visibility == Visibility.visible, 1))).over().label("visible"))
    # The page is chosen (and the selection counted) in an inner query, so that what is shown beside
    # each amendment is worked out for the amendments of this page only, not for the whole selection.
    chosen = (sa.select(Amendment.id, *selection).where(*where).order_by(*order)
              .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")).subquery())
    shown = tuple(getattr(Amendment, name) for name in _Shown._fields)
    return with_who(
        sa.select(*shown, *figures, mine, comments, chosen.c.total, chosen.c.visible)
        .join(chosen, chosen.c.id == Amendment.id).order_by(*order), Amendment)


_usual_amendment_page = functools.cache(_amendment_page)  # without filters: built once per sort and kind of reader


class AmendmentFace(NamedTuple):
    """Everything an amendment card shows above its footer, as plain values: the key its markup is
    kept under (consult.fragments), so a change to any of them is another fragment, never a stale one."""

    id: int
    kind: AmendmentKind
    status: AmendmentStatus
    locale: str
    created_at: datetime
    visibility: Visibility
    hidden_reason: str | None
    base_title: str
    title: str
    base_text: str
    body: str
    rationale_html: str
    answer_html: str | None
    author: PersonFace
    organisation: OrganisationFace | None
    recorded_by_id: int | None
    recorded_by: PersonFace | None
    recorded_source: str | None
    on_behalf_of_organisation: bool


def face(amendment: Amendment | AmendmentFace) -> AmendmentFace:
    if isinstance(amendment, AmendmentFace):  # a page kept as plain values already
        return amendment
    return _face(amendment, None)


def _face(a: Amendment, who: list | None) -> AmendmentFace:
    """The snapshot of an amendment; its who() part from loaded objects, or from with_who() columns."""
    return AmendmentFace(
        id=a.id, kind=a.kind, status=a.status, locale=a.locale, created_at=a.created_at, visibility=a.visibility,
        hidden_reason=a.hidden_reason, base_title=a.base_title, title=a.title, base_text=a.base_text, body=a.body,
        rationale_html=a.rationale_html, answer_html=a.answer_html,
        **(who_fields(a) if who is None else who_from_row(a, who)),
    )


def amendment_with_context(amendment_id: int) -> Amendment | None:
    return db.session.scalar(
        sa.select(Amendment).where(Amendment.id == amendment_id).options(
            joinedload(Amendment.author), joinedload(Amendment.organisation), joinedload(Amendment.round),
            joinedload(Amendment.article), joinedload(Amendment.answered_by), joinedload(Amendment.duplicate_of),
        )
    )


def contributions_of(user: User) -> tuple[list[Amendment], list[Comment]]:
    amendments = list(db.session.scalars(
        sa.select(Amendment).where(Amendment.author_id == user.id).order_by(Amendment.id.desc())
        .options(joinedload(Amendment.round), joinedload(Amendment.article))
    ))
    comments = list(db.session.scalars(
        sa.select(Comment).where(Comment.author_id == user.id, Comment.visibility != Visibility.deleted)
        .order_by(Comment.id.desc()).options(joinedload(Comment.round), joinedload(Comment.article))
    ))
    return amendments, comments



def repropose(author: User, old: Amendment, round_: Round, article: Article) -> tuple[Amendment | None, str]:
    """Carry an unanswered amendment of an older version onto the current text: its change is
    merged into the current text; when it collides, the caller opens the form with it instead."""
    from consult.text.merge import merge

    current = article.text(old.locale)
    result = merge(old.base_text, old.body, current.body)
    if not result.clean or result.already_applied:
        return None, result.text if result.clean else old.body
    amendment, _ = propose(author, round_, article, Proposal(AmendmentKind.modify, old.locale, current.title, result.text,
                                                             old.rationale), token=f"repropose:{old.id}:{round_.id}")
    return amendment, result.text
