"""Rounds: created and changed by the secretariat, closed early or extended by moderators, and
their public account. A round's phase follows from its dates; nothing is deleted when it closes."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from flask_babel import gettext as _

from consult.documents.model import Figure
from consult import signals
from consult.database import lock_row
from consult.extensions import db
from consult.i18n import LANGUAGE_NAMES, date_only
from consult.models import (
    Amendment, AmendmentStatus, Article, Comment, Organisation, OrganisationKind, Region, Round, RoundState, Support, User, Version, Visibility,
    utcnow,
)
from consult.moderation import audit
from consult.rounds import figures_cache


class RoundError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class RoundSettings:
    version: Version
    slug: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    region: object
    opens_at: datetime
    closes_at: datetime
    allows_amendments: bool = True
    allows_comments: bool = True
    allows_supports: bool = True
    restricted_to_region: bool = False
    requires_verified_organisation: bool = False


EARLIEST_OPENING = datetime(2000, 1, 1, tzinfo=UTC)
LONGEST_ROUND = timedelta(days=3 * 366)


def _check(settings: RoundSettings) -> None:
    if settings.closes_at <= settings.opens_at:
        raise RoundError("closes_before_opening")
    if settings.opens_at < EARLIEST_OPENING or settings.closes_at - settings.opens_at > LONGEST_ROUND:
        raise RoundError("implausible_dates")  # a typo in a year, not a consultation


def create(actor: User, settings: RoundSettings) -> Round:
    _check(settings)
    round_ = Round(**settings.__dict__)
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "create_round", round_, opens_at=round_.opens_at, closes_at=round_.closes_at,
                 region=round_.region)
    signals.round_created.send(round_, actor=actor)
    return round_


def update(actor: User, round_: Round, settings: RoundSettings) -> None:
    _check(settings)
    changes = {}
    for key, value in settings.__dict__.items():
        if getattr(round_, key) != value:
            changes[key] = value if not isinstance(value, Version) else value.id
            setattr(round_, key, value)
    if changes:
        audit.record(actor, "update_round", round_, **changes)
    db.session.flush()


def close_early(actor: User, round_: Round, reason: str, now: datetime | None = None) -> None:
    """Close now, keeping the announced dates and every contribution."""
    if not reason.strip():
        raise RoundError("reason_required")
    # Exclusive: waits for the contributions being written (each holds the round shared) and makes
    # later ones wait, then see the round closed (contributions.lock_open_round).
    lock_row(round_)
    now = now or utcnow()
    if round_.phase(now) is not RoundState.open:  # another moderator closed it meanwhile
        raise RoundError("not_open")
    round_.closed_early_at = now
    audit.record(actor, "close_round", round_, reason=reason.strip(), announced_close=round_.closes_at)
    db.session.flush()
    signals.round_closed.send(round_, actor=actor)


def extend(actor: User, round_: Round, closes_at: datetime, reason: str, now: datetime | None = None) -> None:
    """Move the closing date later (reopening a round closed early)."""
    now = now or utcnow()
    if not reason.strip():
        raise RoundError("reason_required")
    closed_early = round_.closed_early_at is not None
    if closes_at <= max(now, round_.opens_at) or (closes_at <= round_.closes_at and not closed_early):
        raise RoundError("extension_not_later")
    previous = round_.effective_close
    round_.closes_at, round_.closed_early_at = closes_at, None
    audit.record(actor, "extend_round", round_, reason=reason.strip(), previous_close=previous, closes_at=closes_at)
    db.session.flush()


def unanswered_count(round_: Round) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Amendment)
        .where(Amendment.round_id == round_.id, Amendment.status == AmendmentStatus.submitted)
    )


def unanswered_counts() -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Amendment.round_id, sa.func.count()).where(Amendment.status == AmendmentStatus.submitted)
        .group_by(Amendment.round_id)
    )
    return dict(rows.all())


def waiting_per_article(round_: Round) -> dict[int, int]:
    """How many of each article's amendments in the round await an answer."""
    rows = db.session.execute(
        sa.select(Amendment.article_id, sa.func.count())
        .where(Amendment.round_id == round_.id, Amendment.status == AmendmentStatus.submitted)
        .group_by(Amendment.article_id))
    return dict(rows.all())


def state(round_: Round, now: datetime | None = None) -> RoundState:
    """The phase from the clock, and `concluded` once a closed round has every amendment answered."""
    phase = round_.phase(now)
    if phase is RoundState.closed and unanswered_count(round_) == 0:
        return RoundState.concluded
    return phase


def all_rounds() -> list[Round]:
    return list(db.session.scalars(sa.select(Round).order_by(Round.opens_at.desc()).options(joinedload(Round.version))))


# --- the public account ------------------------------------------------------------------------


@dataclass
class Account:
    participants: int = 0
    organisations: int = 0
    amendments: int = 0
    comments: int = 0
    supports: int = 0
    participants_by_region: Counter = field(default_factory=Counter)
    organisations_by_region: Counter = field(default_factory=Counter)
    participants_by_kind: Counter = field(default_factory=Counter)
    contributions_by_language: Counter = field(default_factory=Counter)
    amendments_by_status: Counter = field(default_factory=Counter)
    contributions_by_week: list[tuple[datetime, int]] = field(default_factory=list)


OUTCOMES_PAGE_SIZE = 50


@dataclass
class Outcomes:
    """Amendments and their outcomes, grouped by article in the charter's order: all of them
    (the report), or one page (the public account)."""

    articles: list[tuple[Article, list[Amendment]]]
    total: int
    page: int = 1
    pages: int = 1

    @property
    def first(self) -> int:
        return (self.page - 1) * OUTCOMES_PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.page * OUTCOMES_PAGE_SIZE, self.total)


INDIVIDUALS = "individual"


_COUNTERS = ("participants_by_region", "organisations_by_region", "participants_by_kind",
             "contributions_by_language", "amendments_by_status")
_TOTALS = ("participants", "organisations", "amendments", "comments", "supports")


def account(rounds: Round | list[Round]) -> Account:
    """Figures of a round, or of all the rounds on a version: counted once and kept until anything
    they count is written (figures_cache), so that the page costs the same whatever the round's size."""
    rounds = [rounds] if isinstance(rounds, Round) else rounds
    if not rounds:
        return Account()
    round_ids = [r.id for r in rounds]
    weeks = _weeks(rounds)
    stamp = figures_cache.stamp(round_ids, (weeks[0], len(weeks)))
    kept = figures_cache.load(round_ids, stamp)
    if kept is not None:
        try:
            return Account(**{k: kept[k] for k in _TOTALS}, **{k: Counter(kept[k]) for k in _COUNTERS},
                           contributions_by_week=list(zip(weeks, kept["weekly"], strict=True)))
        except (KeyError, TypeError, ValueError):
            pass  # kept by another version of this code: counted again below
    result = _count(rounds)
    figures_cache.keep(round_ids, stamp, {**{k: getattr(result, k) for k in _TOTALS},
                                          **{k: dict(getattr(result, k)) for k in _COUNTERS},
                                          "weekly": [n for _week, n in result.contributions_by_week]})
    return result


def _count(rounds: list[Round]) -> Account:
    """Figures of the rounds from a handful of grouped queries (a person taking part in two rounds
    counts once); they read every contribution."""
    round_ids = [r.id for r in rounds]
    result = Account()
    visible_amendment = sa.and_(Amendment.round_id.in_(round_ids), Amendment.visibility == Visibility.visible)
    visible_comment = sa.and_(Comment.round_id.in_(round_ids), Comment.visibility == Visibility.visible)

    # Who took part: authors of amendments and comments, and supporters. A contribution a moderator
    # recorded at a meeting brings in its organisation, never the moderator who typed it in.
    contributors = sa.union(
        sa.select(_person(Amendment).label("user_id"), Amendment.organisation_id.label("org_id")).where(visible_amendment),
        sa.select(_person(Comment), Comment.organisation_id).where(visible_comment),
        sa.select(Support.user_id, Support.organisation_id).join(Amendment, Amendment.id == Support.amendment_id)
        .where(Amendment.round_id.in_(round_ids)),
    ).subquery()
    rows = db.session.execute(
        sa.select(contributors.c.user_id, Organisation.id, Organisation.region, Organisation.kind)
        .select_from(contributors).outerjoin(Organisation, Organisation.id == contributors.c.org_id)
    ).all()
    people: dict[int, tuple] = {}
    organisations: dict[int, tuple] = {}
    heard_through_people: set[int] = set()
    for user_id, org_id, region, kind in rows:
        if user_id is not None:
            people.setdefault(user_id, (region, kind))
            heard_through_people.add(org_id)
        if org_id:
            organisations[org_id] = (region, kind)
    # An organisation heard only at a meeting is one participant; one whose people took part
    # themselves is counted through them already.
    participants = list(people.values()) + [
        region_and_kind for org_id, region_and_kind in organisations.items() if org_id not in heard_through_people]
    result.participants, result.organisations = len(participants), len(organisations)
    for region, kind in participants:
        result.participants_by_region[region.value if region else INDIVIDUALS] += 1
        result.participants_by_kind[kind.value if kind else INDIVIDUALS] += 1
    for region, _kind in organisations.values():
        result.organisations_by_region[region.value] += 1

    for model, where in ((Amendment, visible_amendment), (Comment, visible_comment)):
        for locale, count in db.session.execute(sa.select(model.locale, sa.func.count()).where(where).group_by(model.locale)):
            result.contributions_by_language[locale] += count
    for status, count in db.session.execute(
        sa.select(Amendment.status, sa.func.count()).where(visible_amendment).group_by(Amendment.status)
    ):
        result.amendments_by_status[status.value] += count
    result.amendments = sum(result.amendments_by_status.values())
    result.comments = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(visible_comment))
    result.supports = db.session.scalar(
        sa.select(sa.func.count()).select_from(Support).join(Amendment, Amendment.id == Support.amendment_id)
        .where(Amendment.round_id.in_(round_ids))
    )
    result.contributions_by_week = _weekly(rounds, visible_amendment, visible_comment) if rounds else []
    return result


def outcomes(rounds: Round | list[Round], *, status: str = "", page: int | None = None) -> Outcomes:
    """The visible amendments of the rounds (of one status if given) with their outcomes, in the
    charter's order: every one, or the `page`-th page of OUTCOMES_PAGE_SIZE, so that the public
    account costs the same whatever the size of the round."""
    rounds = [rounds] if isinstance(rounds, Round) else rounds
    conditions = [Amendment.round_id.in_([r.id for r in rounds]), Amendment.visibility == Visibility.visible]
    if status:
        conditions.append(Amendment.status == status)
    query = (sa.select(Amendment).join(Article, Article.id == Amendment.article_id).where(*conditions)
             .order_by(Article.position, Amendment.id)
             .options(joinedload(Amendment.organisation), joinedload(Amendment.author),
                      joinedload(Amendment.article).selectinload(Article.texts), joinedload(Amendment.recorded_by)))
    total = pages = 1
    if page is not None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(*conditions))
        pages = max(1, -(-total // OUTCOMES_PAGE_SIZE))
        page = min(max(page, 1), pages)
        query = query.limit(OUTCOMES_PAGE_SIZE).offset((page - 1) * OUTCOMES_PAGE_SIZE)
    amendments = db.session.scalars(query).all()
    by_article: dict[Article, list[Amendment]] = {}
    for amendment in amendments:
        by_article.setdefault(amendment.article, []).append(amendment)
    return Outcomes(list(by_article.items()), total if page is not None else len(amendments), page or 1, pages)


def _person(model):
    """Who wrote a contribution: its author, unless it is an organisation's that a moderator
    recorded (then nobody in person: the organisation took part)."""
    return sa.case((model.on_behalf_of_organisation, sa.null()), else_=model.author_id)


def support_counts(amendments: list[Amendment]) -> dict[int, int]:
    """Supports of each of these amendments: one grouped query."""
    if not amendments:
        return {}
    return dict(db.session.execute(
        sa.select(Support.amendment_id, sa.func.count()).where(Support.amendment_id.in_([a.id for a in amendments]))
        .group_by(Support.amendment_id)).all())


MAX_WEEKS = 260


def _weekly(rounds: list[Round], visible_amendment, visible_comment) -> list[tuple[datetime, int]]:
    """Contributions per week from the first opening, counted by the database: one grouped query
    per kind, whatever the number of contributions."""
    weeks = _weeks(rounds)
    counts = [0] * len(weeks)
    for model, where in ((Amendment, visible_amendment), (Comment, visible_comment)):
        moments = sa.select(_week_of(model.created_at, weeks).label("week")).where(where).subquery()
        for week, count in db.session.execute(sa.select(moments.c.week, sa.func.count()).group_by(moments.c.week)):
            counts[week] += count
    return list(zip(weeks, counts))


def _weeks(rounds: list[Round]) -> list[datetime]:
    """When each week the series counts begins: from the first opening to the last close or now."""
    start = min(r.opens_at for r in rounds)
    end = min(max(r.effective_close for r in rounds), utcnow())
    span = max(1, (end - start).days // 7 + 1)
    # At most the last MAX_WEEKS weeks, whatever dates a round was given: the chart and its query
    # grow with them (earlier contributions count in the first week shown).
    return [start + timedelta(weeks=n) for n in range(max(0, span - MAX_WEEKS), span)]


def _week_of(moment, weeks: list[datetime]):
    """The index of the last week that began at or before the moment; anything before the first
    week counts in it, anything after the last in the last. Comparisons only: exact, and the same
    on SQLite and PostgreSQL (date arithmetic in SQL is neither)."""
    later_weeks = [(moment >= begins, sa.literal_column(str(n))) for n, begins in reversed(list(enumerate(weeks)))][:-1]
    return sa.case(*later_weeks, else_=sa.literal_column("0")) if later_weeks else sa.literal_column("0")


def figures(account: Account) -> dict[str, Figure]:
    """The public account's series, labelled in the current locale: what the page charts and the
    report prints."""
    individual = {INDIVIDUALS: _("Individuals")}
    regions = {r.value: r.label for r in Region} | individual
    kinds = {k.value: k.label for k in OrganisationKind} | individual
    statuses = {s.value: s.label for s in AmendmentStatus}

    def labelled(counter: Counter, labels) -> list[tuple[str, int]]:
        return [(str(labels.get(key, key)), value) for key, value in counter.most_common()]

    return {
        "participants-region": Figure(_("Participants by region"), labelled(account.participants_by_region, regions)),
        "organisations-region": Figure(_("Organisations by region"), labelled(account.organisations_by_region, regions)),
        "participants-kind": Figure(_("Participants by kind of organisation"),
                                    labelled(account.participants_by_kind, kinds)),
        "language": Figure(_("Contributions by language"), labelled(account.contributions_by_language, LANGUAGE_NAMES)),
        "status": Figure(_("Amendments by status"), labelled(account.amendments_by_status, statuses)),
        "weeks": Figure(_("Amendments and comments per week"),
                        [(_("Week of %(date)s", date=date_only(start)), n) for start, n in account.contributions_by_week]),
    }
