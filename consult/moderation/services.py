"""Moderation acts: reports, hiding and restoring, answering amendments, recording in-person
contributions. Each writes its audit event in the same transaction; none deletes anything."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from consult.amendments.services import AmendmentFilters
from consult.database import lock_row
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentStatus, Article, Comment, Report, Round, User, Visibility, utcnow,
)
from consult import signals
from consult.moderation import audit
from consult.text.markdown import render_markdown

ANSWERS = (AmendmentStatus.accepted, AmendmentStatus.accepted_in_part, AmendmentStatus.rejected, AmendmentStatus.duplicate)


class ModerationError(ValueError):
    """A rule was broken; `code` names which, for the view to say it in the reader's language."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def report(reporter: User, target: Amendment | Comment, reason: str) -> Report:
    kind = "amendment_id" if isinstance(target, Amendment) else "comment_id"
    item = Report(reporter_id=reporter.id, reason=reason.strip(), **{kind: target.id})
    db.session.add(item)
    db.session.flush()
    signals.report_filed.send(item, target=target)
    return item


def open_reports() -> list[Report]:
    return list(db.session.scalars(
        sa.select(Report).where(Report.resolved_at.is_(None)).order_by(Report.created_at)
        .options(joinedload(Report.reporter))
    ))


def hide(moderator: User, target: Amendment | Comment, reason: str) -> None:
    if not reason.strip():
        raise ModerationError("reason_required")
    if target.visibility is not Visibility.visible:
        raise ModerationError("not_visible")
    target.visibility = Visibility.hidden
    target.hidden_reason = reason.strip()
    target.hidden_at = utcnow()
    target.hidden_by_id = moderator.id
    _resolve_reports(moderator, target)
    audit.record(moderator, "hide", target, reason=reason.strip())
    db.session.flush()
    signals.contribution_hidden.send(target, moderator=moderator, reason=reason.strip())


def restore(moderator: User, target: Amendment | Comment, reason: str) -> None:
    """Only what a moderator hid comes back; what its author deleted stays deleted."""
    if not reason.strip():
        raise ModerationError("reason_required")
    if target.visibility is not Visibility.hidden:
        raise ModerationError("not_hidden")
    target.visibility = Visibility.visible
    audit.record(moderator, "restore", target, reason=reason.strip(), was_hidden_because=target.hidden_reason)
    target.hidden_reason = None
    db.session.flush()
    signals.contribution_restored.send(target, moderator=moderator, reason=reason.strip())


def dismiss_report(moderator: User, item: Report) -> None:
    item.resolved_at, item.resolved_by_id = utcnow(), moderator.id
    audit.record(moderator, "dismiss_report", item)
    db.session.flush()


def _resolve_reports(moderator: User, target) -> None:
    column = Report.amendment_id if isinstance(target, Amendment) else Report.comment_id
    for item in db.session.scalars(sa.select(Report).where(column == target.id, Report.resolved_at.is_(None))):
        item.resolved_at, item.resolved_by_id = utcnow(), moderator.id


def answer(moderator: User, amendment: Amendment, status: AmendmentStatus, text: str,
           duplicate_of: Amendment | int | None = None) -> None:
    """The public answer to an amendment. A rejection needs a reason; a duplicate names the original
    (the amendment, or its number as a moderator typed it)."""
    if status not in ANSWERS:
        raise ModerationError("bad_status")
    if status is AmendmentStatus.rejected and not text.strip():
        raise ModerationError("rejection_needs_reason")
    original = _original(amendment, duplicate_of) if status is AmendmentStatus.duplicate else None
    lock_row(amendment)  # its author may be withdrawing it this moment
    if amendment.status is AmendmentStatus.withdrawn:
        raise ModerationError("withdrawn")
    previous = amendment.status
    amendment.status = status
    amendment.answer = text.strip()
    amendment.answer_html = render_markdown(text)
    amendment.answered_at = utcnow()
    amendment.answered_by_id = moderator.id
    amendment.duplicate_of_id = original.id if original else None
    audit.record(moderator, "answer", amendment, status=status, previous=previous, answer=text.strip(),
                 duplicate_of=amendment.duplicate_of_id)
    db.session.flush()
    signals.amendment_answered.send(amendment, moderator=moderator, previous=previous)


def _original(amendment: Amendment, duplicate_of: Amendment | int | None) -> Amendment:
    """What a duplicate duplicates: another amendment of the same article in the same round."""
    if duplicate_of is None:
        raise ModerationError("duplicate_needs_original")
    original = db.session.get(Amendment, duplicate_of) if isinstance(duplicate_of, int) else duplicate_of
    if original is None:
        raise ModerationError("duplicate_unknown")
    if original.id == amendment.id:
        raise ModerationError("duplicate_of_itself")
    if (original.round_id, original.article_id) != (amendment.round_id, amendment.article_id):
        raise ModerationError("duplicate_elsewhere")
    return original


TRIAGE_PAGE_SIZE = 20


@dataclass
class TriagePage:
    items: list[Amendment]
    total: int
    page: int
    pages: int
    # How many amendments each article shown has under the filters, on every page together.
    per_article: dict[int, int] = field(default_factory=dict)


def _triage_conditions(round_: Round, filters: AmendmentFilters) -> list:
    return [Amendment.round_id == round_.id, *filters.conditions()]


def triage(round_: Round, filters: AmendmentFilters, page: int = 1) -> TriagePage:
    """One page of a round's amendments in the article order, filtered: what the moderators
    answer. Paginated so the page costs the same whatever the size of the round."""
    conditions = _triage_conditions(round_, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(*conditions))
    pages = max(1, -(-total // TRIAGE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(
        sa.select(Amendment).join(Article, Article.id == Amendment.article_id).where(*conditions)
        .order_by(Article.position, Amendment.id).limit(TRIAGE_PAGE_SIZE).offset((page - 1) * TRIAGE_PAGE_SIZE)
        .options(joinedload(Amendment.author), joinedload(Amendment.organisation),
                 joinedload(Amendment.article).selectinload(Article.texts), joinedload(Amendment.recorded_by))
    ))
    per_article = dict(db.session.execute(
        sa.select(Amendment.article_id, sa.func.count()).where(
            *conditions, Amendment.article_id.in_(list({a.article_id for a in items})))
        .group_by(Amendment.article_id)).all()) if items else {}
    return TriagePage(items=items, total=total, page=page, pages=pages, per_article=per_article)


def triage_page_of(amendment: Amendment, filters: AmendmentFilters) -> int | None:
    """The triage page that shows this amendment under these filters; None if they leave it out."""
    conditions = _triage_conditions(amendment.round, filters)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(
            *conditions, Amendment.id == amendment.id)):
        return None
    position = amendment.article.position
    before = db.session.scalar(
        sa.select(sa.func.count()).select_from(Amendment).join(Article, Article.id == Amendment.article_id)
        .where(*conditions, sa.or_(Article.position < position,
                                   sa.and_(Article.position == position, Amendment.id < amendment.id))))
    return before // TRIAGE_PAGE_SIZE + 1


def record_contribution(moderator: User, round_, article, organisation, *, kind: str, locale: str, body: str,
                        rationale: str, source: str, token: str | None = None):
    """A contribution made at an in-person meeting, entered by a moderator for an organisation."""
    from consult.amendments import services as amendments
    from consult.comments import services as comments
    from consult.models import AmendmentKind

    if kind == "amendment":
        base = article.text(locale)
        record, created = amendments.propose(
            moderator, round_, article,
            amendments.Proposal(AmendmentKind.modify, locale, base.title if base else "", body, rationale or source),
            token=token, recorded_by=moderator, recorded_source=source)
    else:
        record, created = comments.post(moderator, round_, article, body=body, locale=locale, token=token,
                                        recorded_by=moderator, recorded_source=source)
    if created:
        record.organisation = organisation
        audit.record(moderator, f"record_{kind}", record, organisation=organisation.name, source=source)
        db.session.flush()
    return record


def audit_log(*, action: str = "", actor_id: int | None = None, object_type: str = "", limit: int = 200) -> list:
    from consult.models import AuditEvent

    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).options(joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    return list(db.session.scalars(query))


def audit_actions() -> list[str]:
    from consult.models import AuditEvent

    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
