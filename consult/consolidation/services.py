"""Consolidation: a new version built from a consulted one, taking in its accepted amendments.

Every act is audited; an amendment is incorporated once, or set aside with a reason, never
dropped silently; article lineage follows every move so history stays connected.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from consult.amendments.services import AmendmentFace
from consult.charter import services as charter
from consult.comments.services import who_from_row, with_who
from consult import signals
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, Article, ArticleText, Incorporation, Round, RoundState, Section,
    TextStatus, User, Version, VersionState, Visibility, utcnow,
)
from consult.moderation import audit
from consult.text.markdown import render_markdown
from consult.text.merge import Merge, MergeRun, merge

ACCEPTED = (AmendmentStatus.accepted, AmendmentStatus.accepted_in_part)


class ConsolidationError(ValueError):
    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code, self.details = code, details


def can_start(version: Version) -> bool:
    rounds = db.session.scalars(sa.select(Round).where(Round.version_id == version.id)).all()
    existing = db.session.scalar(sa.select(Version.id).where(Version.based_on_id == version.id,
                                                             Version.state == VersionState.consolidating))
    return bool(rounds) and all(r.phase() is not RoundState.open and r.phase() is not RoundState.scheduled for r in rounds) \
        and existing is None and version.state in (VersionState.in_consultation, VersionState.published)


def start(moderator: User, version: Version, labels: dict[str, str]) -> Version:
    """A draft copy of `version`: same sections, same articles with the same lineage."""
    if not can_start(version):
        raise ConsolidationError("rounds_not_closed")
    new = Version(charter_id=version.charter_id, slug=f"{version.slug}-consolidated-{utcnow():%Y%m%d%H%M}",
                  labels=labels, state=VersionState.consolidating, source_locale=version.source_locale,
                  based_on=version)
    db.session.add(new)
    for section in charter.load_version(version):
        copy = Section(version=new, position=section.position, titles=dict(section.titles))
        db.session.add(copy)
        for article in section.articles:
            twin = Article(version=new, section=copy, number=article.number, numbering=article.numbering,
                           position=article.position, lineage_id=article.lineage_id)
            for text in article.texts:
                twin.texts.append(ArticleText(locale=text.locale, title=text.title, body=text.body,
                                              body_html=text.body_html, status=text.status))
            db.session.add(twin)
    db.session.flush()
    audit.record(moderator, "start_consolidation", new, based_on=version.id)
    signals.version_created.send(new)
    return new


def articles(version: Version) -> list[Article]:
    return [a for s in charter.load_version(version) for a in s.articles]


def _accepted_of(version: Version):
    """Accepted (in whole or in part) amendments of the rounds on the version consolidated."""
    # The rounds as a list, not a join: with an article's amendments asked for too, the database then
    # reads them through (round, article) rather than every accepted amendment of the round.
    rounds = sa.select(Round.id).where(Round.version_id == version.based_on_id)
    return sa.select(Amendment).where(Amendment.round_id.in_(rounds), Amendment.status.in_(ACCEPTED))


def _is_pending_clause():
    return sa.and_(Amendment.incorporated_in_id.is_(None), Amendment.set_aside_reason.is_(None))


def pending_amendment(version: Version, amendment_id: int) -> Amendment | None:
    """An accepted amendment of the consulted version still waiting to be dealt with, or None."""
    return db.session.scalar(
        sa.select(Amendment).join(Round, Round.id == Amendment.round_id)
        .where(Amendment.id == amendment_id, Round.version_id == version.based_on_id,
               Amendment.status.in_(ACCEPTED), Amendment.incorporated_in_id.is_(None),
               Amendment.set_aside_reason.is_(None))
        .options(joinedload(Amendment.article))
    )


def is_pending(amendment: Amendment) -> bool:
    return amendment.incorporated_in_id is None and not amendment.set_aside_reason


WORKBENCH_PAGE_SIZE = 20  # pending amendments shown in full on one page of an article's workbench
WORKBENCH_DEALT_SHOWN = 20  # amendments already dealt with, listed compactly unless all are asked for


class Dealt(NamedTuple):
    """An amendment already dealt with, as the workbench lists it (compactly)."""

    id: int
    kind: AmendmentKind
    locale: str
    incorporated_in_id: int | None
    set_aside_reason: str | None


class _Card(NamedTuple):
    """The columns of a pending amendment's card (an AmendmentFace but for who(), read beside it)."""

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
    organisation_id: int | None
    recorded_by_id: int | None
    recorded_source: str | None
    on_behalf_of_organisation: bool


_CARD_COLUMNS = tuple(getattr(Amendment, name) for name in _Card._fields)
_FACE_FIELDS = len(_Card._fields) - 4  # the AmendmentFace fields before who()'s


@dataclass
class ArticleWork:
    """One article on the workbench: the text consulted on, one page of the accepted amendments of
    its lineage still waiting (in full, as the faces their cards are kept under), and the latest
    already dealt with (compactly). Plain values: no Amendment object is loaded."""
    article: Article
    base: Article | None
    pending: list[AmendmentFace]
    dealt: list[Dealt] = field(default_factory=list)
    pending_total: int = 0
    dealt_total: int = 0
    page: int = 1
    pages: int = 1


def article_work(article: Article, page: int = 1, all_dealt: bool = False) -> ArticleWork:
    """What the workbench shows for one article: only that article's lineage is read, and a page of
    it, so the cost grows neither with the rest of the consultation nor with the article's own."""
    version = article.version
    base = db.session.scalar(sa.select(Article).where(Article.version_id == version.based_on_id,
                                                      Article.lineage_id == article.lineage_id)
                             .options(selectinload(Article.texts))) if version.based_on_id else None
    of_lineage = _accepted_of(version).where(
        Amendment.article_id.in_(sa.select(Article.id).where(Article.lineage_id == article.lineage_id)))
    pending_total, dealt_total = db.session.execute(of_lineage.with_only_columns(
        sa.func.count(sa.case((_is_pending_clause(), 1))),
        sa.func.count(sa.case((sa.not_(_is_pending_clause()), 1))))).one()
    pages = max(1, -(-pending_total // WORKBENCH_PAGE_SIZE))
    page = min(max(page, 1), pages)
    pending = []
    for row in db.session.execute(with_who(
            of_lineage.with_only_columns(*_CARD_COLUMNS).where(_is_pending_clause()).order_by(Amendment.id)
            .limit(WORKBENCH_PAGE_SIZE).offset((page - 1) * WORKBENCH_PAGE_SIZE), Amendment)):
        card = _Card(*row[:len(_Card._fields) - 1], bool(row[len(_Card._fields) - 1]))
        pending.append(AmendmentFace(*card[:_FACE_FIELDS], **who_from_row(card, row[len(_Card._fields):])))
    dealt = [Dealt(*row) for row in db.session.execute(
        of_lineage.with_only_columns(*(getattr(Amendment, name) for name in Dealt._fields))
        .where(sa.not_(_is_pending_clause())).order_by(Amendment.id.desc())
        .limit(None if all_dealt else WORKBENCH_DEALT_SHOWN))]
    return ArticleWork(article, base, pending, dealt[::-1], pending_total, dealt_total, page, pages)


@dataclass
class ArticleCounts:
    article: Article
    accepted: int
    pending: int


def overview(version: Version) -> list[ArticleCounts]:
    """Every article of the new version with how many accepted amendments of its lineage there
    are and how many wait: counted by the database, grouped by lineage."""
    counts = {lineage: (accepted, waiting) for lineage, accepted, waiting in db.session.execute(
        _accepted_of(version).join(Article, Article.id == Amendment.article_id)
        .with_only_columns(Article.lineage_id, sa.func.count(),
                           sa.func.count(sa.case((_is_pending_clause(), 1))))
        .group_by(Article.lineage_id))}
    rows = [ArticleCounts(a, *counts.pop(a.lineage_id, (0, 0))) for a in articles(version)]
    if counts:
        # amendments whose article was deleted from the new version stay visible until dealt with
        removed = db.session.scalars(sa.select(Article).where(Article.version_id == version.based_on_id,
                                                              Article.lineage_id.in_(counts))
                                     .options(selectinload(Article.texts)).order_by(Article.position))
        rows += [ArticleCounts(a, *counts[a.lineage_id]) for a in removed]
    return rows


def pending_count(version: Version) -> int:
    return db.session.scalar(_accepted_of(version).where(_is_pending_clause())
                             .with_only_columns(sa.func.count()).order_by(None))


def preview(article: Article, amendment: Amendment) -> tuple[Merge, Merge]:
    """What applying the amendment to the article's title and text as they now stand would give."""
    text = article.exact_text(amendment.locale)
    title = merge(amendment.base_title, amendment.title, text.title if text else "")
    body = merge(amendment.base_text, amendment.body, text.body if text else "")
    return title, body


def incorporate(moderator: User, article: Article, amendment: Amendment, *, title: str, body: str,
                expected_revision: int | None) -> ArticleText:
    """Save the text that takes the amendment in (merged, or resolved by hand) and record provenance."""
    if not is_pending(amendment):
        raise ConsolidationError("already_dealt_with")
    text = charter.update_article_text(article, amendment.locale, title=title, body=body,
                                       expected_revision=expected_revision)
    _record_incorporation(moderator, article, amendment)
    return text


def _record_incorporation(moderator: User, article: Article | None, amendment: Amendment) -> None:
    version = article.version if article else None
    amendment.incorporated_in_id = version.id if version else None
    if article is not None:
        db.session.add(Incorporation(article_id=article.id, amendment_id=amendment.id, by_id=moderator.id, at=utcnow()))
    audit.record(moderator, "incorporate", amendment, article=article.id if article else None,
                 version=amendment.incorporated_in_id)
    db.session.flush()
    signals.amendment_incorporated.send(amendment, moderator=moderator, article=article)


def set_aside(moderator: User, amendment: Amendment, reason: str) -> None:
    if not reason.strip():
        raise ConsolidationError("reason_required")
    amendment.set_aside_reason = reason.strip()
    audit.record(moderator, "set_aside", amendment, reason=reason.strip())
    db.session.flush()


def save_text(moderator: User, article: Article, locale: str, *, title: str, body: str,
              expected_revision: int | None) -> ArticleText:
    text = charter.update_article_text(article, locale, title=title, body=body, expected_revision=expected_revision)
    audit.record(moderator, "edit_text", article, locale=locale, revision=text.revision)
    return text


# --- structure ---------------------------------------------------------------------------------


def _reposition(version: Version) -> None:
    position = 0
    for section in sorted(charter.load_version(version), key=lambda s: s.position):
        for article in sorted(section.articles, key=lambda a: a.position):
            position += 1
            article.position = position


def add_article(moderator: User, after: Article, *, number: str, texts: dict[str, tuple[str, str]],
                from_amendment: Amendment | None = None) -> Article:
    """A new article placed after `after`, in its section; from an accepted "new article" amendment
    or written by hand. Languages not given are created empty and marked outdated."""
    version = after.version
    for article in articles(version):
        if article.position > after.position:
            article.position += 1
    article = Article(version=version, section_id=after.section_id, number=number,
                      numbering=after.numbering or ("article" if number else ""), position=after.position + 1)
    db.session.add(article)
    given = {loc: t for loc, t in texts.items() if t[0] or t[1]}
    source = next(iter(given), version.source_locale)
    for locale in ("en", "fr", "es"):
        title, body = given.get(locale, ("", ""))
        status = (TextStatus.source if locale == version.source_locale else TextStatus.current) if locale in given else TextStatus.outdated
        article.texts.append(ArticleText(locale=locale, title=title, body=body, body_html=render_markdown(body),
                                         status=status, outdated_by=None if locale in given else source, outdated_from=""))
    db.session.flush()
    audit.record(moderator, "add_article", article, after=after.id, number=number,
                 amendment=from_amendment.id if from_amendment else None)
    if from_amendment is not None:
        _record_incorporation(moderator, article, from_amendment)
    return article


def delete_article(moderator: User, article: Article, from_amendment: Amendment | None = None) -> None:
    """Remove an article from the new version (the consulted version keeps it, so nothing is lost)."""
    if article.version.state is not VersionState.consolidating:
        raise ConsolidationError("not_a_draft")
    if db.session.scalar(sa.select(Incorporation.id).where(Incorporation.article_id == article.id).limit(1)):
        raise ConsolidationError("has_provenance")
    version = article.version
    audit.record(moderator, "delete_article", article, number=article.number, lineage=article.lineage_id,
                 amendment=from_amendment.id if from_amendment else None)
    if from_amendment is not None:
        from_amendment.incorporated_in_id = version.id
        audit.record(moderator, "incorporate", from_amendment, article=None, version=version.id)
    db.session.delete(article)
    db.session.flush()
    _reposition(version)


def move_article(moderator: User, article: Article, *, section: Section, step: int = 0) -> None:
    """Move to another section (at its end) or up/down within its section."""
    if section.id != article.section_id:
        article.section_id = section.id
        article.position = max((a.position for a in section.articles), default=0) + 1  # placed last
    elif step:
        siblings = sorted(section.articles, key=lambda a: a.position)
        index = siblings.index(article)
        other = index + step
        if 0 <= other < len(siblings):
            siblings[index].position, siblings[other].position = siblings[other].position, siblings[index].position
    db.session.flush()
    db.session.expire_all()
    _reposition(article.version)
    audit.record(moderator, "move_article", article, section=section.id, step=step)
    db.session.flush()


def renumber(moderator: User, article: Article, number: str) -> None:
    audit.record(moderator, "renumber", article, previous=article.number, number=number)
    article.number = number.strip()
    db.session.flush()


def add_section(moderator: User, version: Version, titles: dict[str, str]) -> Section:
    position = max((s.position for s in charter.load_version(version)), default=-1) + 1
    section = Section(version=version, position=position, titles=titles)
    db.session.add(section)
    db.session.flush()
    audit.record(moderator, "add_section", section, titles=titles)
    return section


def rename_section(moderator: User, section: Section, titles: dict[str, str]) -> None:
    audit.record(moderator, "rename_section", section, previous=section.titles, titles=titles)
    section.titles = titles
    db.session.flush()


# --- publishing --------------------------------------------------------------------------------


def outdated_texts(version: Version) -> list[ArticleText]:
    return list(db.session.scalars(
        sa.select(ArticleText).join(Article).where(Article.version_id == version.id,
                                                   ArticleText.status == TextStatus.outdated)
    ))


def publish(secretariat: User, version: Version, *, despite_outdated: bool = False) -> None:
    """Refused while accepted amendments are pending (conflicts included); warned while translations lag."""
    waiting = pending_count(version)
    if waiting:
        raise ConsolidationError("pending", count=waiting)
    outdated = outdated_texts(version)
    if outdated and not despite_outdated:
        raise ConsolidationError("outdated", count=len(outdated))
    previous = version.based_on
    version.state = VersionState.published
    version.published_at = utcnow()
    if previous is not None and previous.state in (VersionState.in_consultation, VersionState.published):
        previous.state = VersionState.archived
    audit.record(secretariat, "publish", version, outdated_translations=len(outdated))
    db.session.flush()
    signals.version_published.send(version, actor=secretariat)


def provenance(article: Article) -> list[tuple[Incorporation, Amendment]]:
    """The amendments incorporated into this article, in the order they were."""
    return [(row[0], row[1]) for row in db.session.execute(
        _provenance_of(article).order_by(Incorporation.at, Incorporation.id))]


def latest_provenance(article: Article, count: int) -> tuple[list[tuple[Incorporation, Amendment]], bool]:
    """The last `count` of provenance(), in the same order, and whether there are more: what the
    workbench shows, so that an article that took in hundreds costs no more to show than one that
    took in twenty."""
    rows = db.session.execute(_provenance_of(article).order_by(Incorporation.at.desc(), Incorporation.id.desc())
                              .limit(count + 1)).all()
    return [(row[0], row[1]) for row in rows[:count][::-1]], len(rows) > count


def _provenance_of(article: Article) -> sa.Select:
    return sa.select(Incorporation, Amendment).join(Amendment, Amendment.id == Incorporation.amendment_id) \
        .where(Incorporation.article_id == article.id)


def load_article(article_id: int) -> Article | None:
    return db.session.scalar(
        sa.select(Article).where(Article.id == article_id)
        .options(selectinload(Article.texts), joinedload(Article.version), joinedload(Article.section))
    )


# --- apply all that merge cleanly ----------------------------------------------------------------


@dataclass
class ApplyAllPlan:
    """What "apply all that merge cleanly" would do to one article: the accepted pending amendments
    of its lineage taken in one after another (by number), each merged into the text as the ones
    before it left it. The clean ones go in; the rest are left for hand work, listed."""
    article: Article
    clean: list[Amendment] = field(default_factory=list)
    conflicts: list[Amendment] = field(default_factory=list)
    in_part: list[Amendment] = field(default_factory=list)  # accepted in part: the moderator edits
    other: list[Amendment] = field(default_factory=list)  # new or deleted articles: done one by one
    refused: list[Amendment] = field(default_factory=list)  # this moderator may not take them in
    # per language changed: (title, body) after the clean ones, and the revision it started from
    results: dict[str, tuple[str, str]] = field(default_factory=dict)
    revisions: dict[str, int | None] = field(default_factory=dict)


def plan_apply_all(article: Article, permitted=lambda amendment: True) -> ApplyAllPlan:
    plan = ApplyAllPlan(article)
    pending = db.session.scalars(
        _accepted_of(article.version).where(
            _is_pending_clause(),
            Amendment.article_id.in_(sa.select(Article.id).where(Article.lineage_id == article.lineage_id)))
        .order_by(Amendment.id)).all()
    runs: dict[str, tuple[MergeRun, MergeRun]] = {}
    for amendment in pending:
        if amendment.kind is not AmendmentKind.modify:
            plan.other.append(amendment)
            continue
        if amendment.status is AmendmentStatus.accepted_in_part:
            plan.in_part.append(amendment)
            continue
        if not permitted(amendment):
            plan.refused.append(amendment)
            continue
        locale = amendment.locale
        if locale not in runs:
            text = article.exact_text(locale)
            runs[locale] = (MergeRun(text.title if text else ""), MergeRun(text.body if text else ""))
            plan.revisions[locale] = text.revision if text else None
        title_run, body_run = runs[locale]
        title = title_run.attempt(amendment.base_title, amendment.title)
        body = body_run.attempt(amendment.base_text, amendment.body)
        if title.clean and body.clean:
            title_run.commit(title)
            body_run.commit(body)
            plan.clean.append(amendment)
        else:
            plan.conflicts.append(amendment)
    changed = {a.locale for a in plan.clean}
    plan.results = {locale: (runs[locale][0].text, runs[locale][1].text) for locale in changed}
    plan.revisions = {locale: rev for locale, rev in plan.revisions.items() if locale in changed}
    return plan


def apply_all(moderator: User, article: Article, *, expected: list[int], permitted=lambda amendment: True) -> ApplyAllPlan:
    """Apply what the preview showed, once: the plan is made again and must take in exactly the
    amendments confirmed (else "changed": someone acted on the article meanwhile). One new revision
    per language; an Incorporation row, audit event and signal for each amendment."""
    plan = plan_apply_all(article, permitted)
    if sorted(a.id for a in plan.clean) != sorted(expected) or not plan.clean:
        raise ConsolidationError("changed")
    _write(moderator, plan)
    return plan


def _write(moderator: User, plan: ApplyAllPlan) -> None:
    article = plan.article
    for locale, (title, body) in plan.results.items():
        charter.update_article_text(article, locale, title=title, body=body, expected_revision=plan.revisions[locale])
    for amendment in plan.clean:
        _record_incorporation(moderator, article, amendment)
    audit.record(moderator, "apply_all_clean", article, amendments=[a.id for a in plan.clean])


def plan_apply_all_version(version: Version, permitted=lambda amendment: True) -> list[ApplyAllPlan]:
    """"Apply all that merge cleanly" for every article of the version that has accepted amendments
    waiting: one plan per article, in the charter's order."""
    waiting = set(db.session.scalars(
        _accepted_of(version).join(Article, Article.id == Amendment.article_id)
        .where(_is_pending_clause()).with_only_columns(Article.lineage_id).distinct()))
    return [plan_apply_all(article, permitted) for article in articles(version) if article.lineage_id in waiting]


def apply_all_version(moderator: User, version: Version, *, expected: dict[int, list[int]],
                      permitted=lambda amendment: True) -> list[ApplyAllPlan]:
    """Apply what the version's preview showed, article by article, all or nothing: one article's
    plan differing from what was confirmed (someone acted meanwhile) stops it before any change."""
    plans = [plan for plan in plan_apply_all_version(version, permitted) if plan.clean]
    if {plan.article.id: sorted(a.id for a in plan.clean) for plan in plans} != \
            {article_id: sorted(ids) for article_id, ids in expected.items() if ids} or not plans:
        raise ConsolidationError("changed")
    for plan in plans:
        _write(moderator, plan)
    return plans
