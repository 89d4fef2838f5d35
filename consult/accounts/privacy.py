"""Privacy: the notice people accept, the copy of their data they can take, and deleting an account.

A deleted account keeps its row, so that its contributions, supports and the audit trail still
point somewhere: the personal data on it go, and its contributions are shown as those of "a
former participant", with the organisation they were made for."""

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext as _l
from markupsafe import escape

from consult.extensions import db
from consult.models import (Amendment, AmendmentRevision, AuditEvent, Comment, Follow, Invitation, LoginSession, Notice,
                            NotificationPreference, OutgoingMail, Report, Support, User, utcnow)

# Raise it when the notice (consult/accounts/templates/accounts/privacy.html) changes in substance.
PRIVACY_NOTICE_VERSION = "2026-12"

FORMER_PARTICIPANT = _l("a former participant")
REDACTED = "[deleted]"  # what stands in the audit log where a deleted person's name or address was
BATCH = 500


def record_acceptance(user: User) -> None:
    user.privacy_notice_version, user.privacy_accepted_at = PRIVACY_NOTICE_VERSION, utcnow()


def accepted_current_notice(user: User) -> bool:
    return user.privacy_notice_version == PRIVACY_NOTICE_VERSION


def shown_name(name: str | None) -> str:
    """An author's name as shown: a deleted account has none left."""
    return name or str(FORMER_PARTICIPANT)


# --- download my data ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)


def _rows(columns: Iterable, *where, order_by) -> Iterator[dict]:
    """Rows of plain columns, read in batches by id so that memory stays flat however many there are."""
    columns = list(columns)
    last = 0
    while True:
        batch = db.session.execute(sa.select(*columns).where(*where, order_by > last).order_by(order_by)
                                   .limit(BATCH)).mappings().all()
        yield from (dict(row) for row in batch)
        if len(batch) < BATCH:
            return
        last = batch[-1][order_by.key]


def _columns(model, *leave_out: str) -> list:
    """A table's columns, less markup copies, form tokens and secrets, which say nothing more."""
    skip = {"submission_token", "secret_hash", *leave_out}
    return [c for c in model.__table__.c if c.key not in skip and not c.key.endswith("_html")]


def _amendments(user_id: int) -> Iterator[dict]:
    for batch in _batched(_rows(_columns(Amendment, "base_text", "base_title"), Amendment.author_id == user_id,
                                order_by=Amendment.id)):
        revisions: dict[int, list] = {a["id"]: [] for a in batch}
        for revision in db.session.execute(sa.select(*_columns(AmendmentRevision))
                                           .where(AmendmentRevision.amendment_id.in_(revisions))
                                           .order_by(AmendmentRevision.amendment_id, AmendmentRevision.number)).mappings():
            revisions[revision["amendment_id"]].append(dict(revision))
        for amendment in batch:
            yield {**amendment, "earlier_wordings": revisions[amendment["id"]]}


def _batched(rows: Iterator[dict]) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def personal_data(user_id: int) -> Iterator[str]:
    """Everything the platform keeps about a person, and everything they wrote, as one JSON
    document written piece by piece (a person may have written thousands of contributions)."""
    user = db.session.get(User, user_id)
    organisation, requested = user.organisation, user.requested_organisation
    account = {
        "name": user.name, "email": user.email, "language": user.locale, "country": user.country,
        "role": user.role, "organisation": organisation and {
            "id": organisation.id, "name": organisation.name, "kind": organisation.kind,
            "country": organisation.country, "region": organisation.region},
        "organisation_contact": user.is_contact,
        "membership_request": requested and {"organisation": requested.name, "requested_at": user.requested_at},
        "registered_at": user.created_at, "updated_at": user.updated_at,
        "email_confirmed_at": user.email_confirmed_at,
        "privacy_notice": {"version": user.privacy_notice_version, "accepted_at": user.privacy_accepted_at},
    }
    sections = {
        "amendments": _amendments(user_id),
        "comments": _rows(_columns(Comment), Comment.author_id == user_id, order_by=Comment.id),
        "supports": _rows([Support.id, Support.amendment_id, Support.organisation_id, Support.created_at],
                          Support.user_id == user_id, order_by=Support.id),
        "reports": _rows(_columns(Report), Report.reporter_id == user_id, order_by=Report.id),
        "notices": _rows(_columns(Notice), Notice.user_id == user_id, order_by=Notice.id),
        "follows": _rows(_columns(Follow), Follow.user_id == user_id, order_by=Follow.id),
        "notification_preferences": (dict(row) for row in db.session.execute(
            sa.select(NotificationPreference.group, NotificationPreference.rhythm)
            .where(NotificationPreference.user_id == user_id)).mappings()),
        "logins": _rows([LoginSession.id, LoginSession.created_at, LoginSession.expires_at],
                        LoginSession.user_id == user_id, order_by=LoginSession.id),
        "mail": _rows([OutgoingMail.id, OutgoingMail.kind, OutgoingMail.recipient, OutgoingMail.subject,
                       OutgoingMail.created_at, OutgoingMail.sent_at], OutgoingMail.user_id == user_id,
                      order_by=OutgoingMail.id),
        "invitations": _rows(_columns(Invitation, "batch"), Invitation.user_id == user_id, order_by=Invitation.id),
        "audit_events": _rows(_columns(AuditEvent), sa.or_(AuditEvent.actor_id == user_id, _about(user_id)),
                              order_by=AuditEvent.id),
    }
    yield '{"exported_at": ' + _dumps(utcnow()) + ',\n"account": ' + _dumps(account)
    for key, rows in sections.items():
        yield f',\n"{key}": ['
        for i, row in enumerate(rows):
            yield ("," if i else "") + "\n  " + _dumps(row)
        yield "]"
    yield "}\n"


def _about(user_id: int):
    return sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user_id)


# --- delete my account -----------------------------------------------------------------------


def delete_account(user: User) -> None:
    """Remove the person's personal data and keep what they contributed to the consultation's record.

    The row stays (contributions, supports, reports and audit events refer to it) with its
    organisation, so their contributions still say whom they were made for; everything that
    says who the person was goes. Audit events stay too, with the name and addresses taken out."""
    addresses = {user.email} | _past_addresses(user.id)
    _scrub_audit_log(addresses | {user.name})
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    for model in (Notice, Follow, NotificationPreference):  # theirs alone
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.execute(sa.delete(OutgoingMail).where(
        sa.or_(OutgoingMail.user_id == user.id, OutgoingMail.recipient.in_(addresses))))
    db.session.execute(sa.delete(Invitation).where(
        sa.or_(Invitation.user_id == user.id, Invitation.email.in_(addresses))))
    _scrub_mail_to_others(user.name)
    user.email = f"deleted-{user.id}@invalid"  # unique, and no one's address
    user.name = ""  # what shown_name() and the who() macro read as "a former participant"
    user.password_hash = "!"  # matches no password
    user.locale = user.country = None
    user.is_contact, user.active = False, False
    user.requested_organisation, user.requested_at = None, None
    user.email_confirmed_at = user.privacy_notice_version = user.privacy_accepted_at = None
    user.deleted_at = utcnow()
    db.session.flush()


def _past_addresses(user_id: int) -> set[str]:
    """Addresses the account had before a change of address: the change's audit event names them."""
    events = db.session.scalars(sa.select(AuditEvent.payload).where(_about(user_id),
                                                                    AuditEvent.action == "change_email"))
    return {address for payload in events for address in (payload.get("old"), payload.get("new")) if address}


def _scrub_audit_log(secrets: set[str]) -> None:
    """Take a person's name and addresses out of the audit events that hold them; the events stay.

    The log is append-only for everything else (its ORM hook refuses updates): erasure is the one
    change the law asks of it, so it is made with a plain UPDATE on the table."""
    secrets = {s for s in secrets if s and s.strip()}
    if not secrets:
        return
    text = sa.cast(AuditEvent.payload, sa.Text)
    # Stored JSON may escape non-ASCII characters, or not: look for either spelling.
    spellings = {spelling for s in secrets for spelling in (s, json.dumps(s)[1:-1])}
    found = sa.or_(*(text.contains(spelling, autoescape=True) for spelling in spellings))
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(s)}(?!\w)" for s in sorted(secrets, key=len, reverse=True)))
    table = AuditEvent.__table__
    for event_id, payload in db.session.execute(sa.select(AuditEvent.id, AuditEvent.payload).where(found)).all():
        db.session.execute(table.update().where(table.c.id == event_id)
                           .values(payload=_scrubbed(payload, pattern)))


def _scrub_mail_to_others(name: str) -> None:
    """Mail to other people that names the person (a reply, a support) keeps its words, with "a
    former participant" in the recipient's language where the name was."""
    if not name.strip():
        return
    escaped = str(escape(name))
    found = sa.or_(OutgoingMail.subject.contains(name, autoescape=True),
                   OutgoingMail.text_body.contains(name, autoescape=True),
                   OutgoingMail.html_body.contains(escaped, autoescape=True))
    for mail in db.session.scalars(sa.select(OutgoingMail).where(found)):
        with force_locale(mail.locale):
            former = str(FORMER_PARTICIPANT)
        mail.subject = mail.subject.replace(name, former)[:300]
        mail.text_body = mail.text_body.replace(name, former)
        mail.html_body = mail.html_body.replace(escaped, str(escape(former)))


def _scrubbed(value: Any, pattern: re.Pattern) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    return value
