"""Moderation acts: reports, hiding and restoring, answering amendments, recording in-person
contributions. Each writes its audit event in the same transaction; none deletes anything."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from consult.extensions import db
from consult.models import (
    Amendment, AmendmentStatus, Article, Comment, Notice, Report, User, Visibility, utcnow,
)
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


def dismiss_report(moderator: User, item: Report) -> None:
    item.resolved_at, item.resolved_by_id = utcnow(), moderator.id
    audit.record(moderator, "dismiss_report", item)
    db.session.flush()


def _resolve_reports(moderator: User, target) -> None:
    column = Report.amendment_id if isinstance(target, Amendment) else Report.comment_id
    for item in db.session.scalars(sa.select(Report).where(column == target.id, Report.resolved_at.is_(None))):
        item.resolved_at, item.resolved_by_id = utcnow(), moderator.id


def answer(moderator: User, amendment: Amendment, status: AmendmentStatus, text: str,
           duplicate_of: Amendment | None = None) -> None:
    """The public answer to an amendment. A rejection needs a reason; a duplicate names the original."""
    if status not in ANSWERS:
        raise ModerationError("bad_status")
    if status is AmendmentStatus.rejected and not text.strip():
        raise ModerationError("rejection_needs_reason")
    if status is AmendmentStatus.duplicate:
        if duplicate_of is None or duplicate_of.id == amendment.id or duplicate_of.round_id != amendment.round_id:
            raise ModerationError("duplicate_needs_original")
    previous = amendment.status
    amendment.status = status
    amendment.answer = text.strip()
    amendment.answer_html = render_markdown(text)
    amendment.answered_at = utcnow()
    amendment.answered_by_id = moderator.id
    amendment.duplicate_of_id = duplicate_of.id if status is AmendmentStatus.duplicate else None
    audit.record(moderator, "answer", amendment, status=status, previous=previous, answer=text.strip(),
                 duplicate_of=amendment.duplicate_of_id)
    if amendment.author_id != moderator.id:
        db.session.add(Notice(user_id=amendment.author_id, kind="amendment_answered",
                              payload={"amendment_id": amendment.id, "status": status.value}))
    db.session.flush()


def notices_for(user: User, unread_only: bool = False) -> list[Notice]:
    query = sa.select(Notice).where(Notice.user_id == user.id)
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notice.id.desc()).limit(100)))


def unread_notice_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    )


def mark_notices_read(user: User) -> None:
    db.session.execute(sa.update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None)).values(read_at=utcnow()))


def triage(round_, *, status: str = "", locale: str = "", region: str = "", kind_of_organisation: str = "") -> list:
    """Every amendment of a round in the article order, filtered: what the moderators answer."""
    from consult.models import Organisation

    query = (
        sa.select(Amendment).join(Article, Article.id == Amendment.article_id).where(Amendment.round_id == round_.id)
        .order_by(Article.position, Amendment.id)
        .options(joinedload(Amendment.author), joinedload(Amendment.organisation),
                 joinedload(Amendment.article).selectinload(Article.texts), joinedload(Amendment.recorded_by))
    )
    if status:
        query = query.where(Amendment.status == status)
    if locale:
        query = query.where(Amendment.locale == locale)
    if region or kind_of_organisation:
        organisations = sa.select(Organisation.id)
        if region:
            organisations = organisations.where(Organisation.region == region)
        if kind_of_organisation:
            organisations = organisations.where(Organisation.kind == kind_of_organisation)
        query = query.where(Amendment.organisation_id.in_(organisations))
    return list(db.session.scalars(query))


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
