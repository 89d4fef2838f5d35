"""Delivering the outbox: one job per message after its commit, retries with backoff, and a sweep
for messages whose job was lost (a worker killed, a queue emptied)."""

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from huey import crontab

from consult import jobs
from consult.extensions import db
from consult.models import OutgoingMail, utcnow

# A message younger than this still has its own job coming: the sweep leaves it to that job.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500
DELIVERY_GROUP = 25  # messages one job delivers when many are written at once


def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.created_at)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    message["Content-Language"] = mail.locale  # after the parts: setting content clears Content-*
    return message


class FileTransport:
    """Writes each message to MAIL_OUTBOX_DIR as a .eml file named by its Message-ID, and says so on
    the console: a newcomer sees the mail the demo sent without any mail server."""

    def send(self, message: EmailMessage) -> None:
        folder = Path(current_app.config["MAIL_OUTBOX_DIR"] or Path(current_app.instance_path) / "outbox")
        folder.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-._" else "_" for c in message["Message-ID"].strip("<>"))
        path = folder / f"{name}.eml"
        if not path.exists():  # written once, whatever the number of deliveries
            draft = path.with_suffix(".part")
            draft.write_bytes(message.as_bytes())
            draft.replace(path)
        click.echo(f"Mail to {message['To']}: {message['Subject']}  ({path})", err=True)


class SmtpTransport:
    def send(self, message: EmailMessage) -> None:
        config = current_app.config
        security = config["MAIL_SMTP_SECURITY"]
        context = ssl.create_default_context()
        if security == "tls":
            server = smtplib.SMTP_SSL(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"],
                                      timeout=config["MAIL_SMTP_TIMEOUT"], context=context)
        else:
            server = smtplib.SMTP(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"],
                                  timeout=config["MAIL_SMTP_TIMEOUT"])
        with server:
            if security == "starttls":
                server.starttls(context=context)
            if config["MAIL_SMTP_USERNAME"]:
                server.login(config["MAIL_SMTP_USERNAME"], config["MAIL_SMTP_PASSWORD"] or "")
            server.send_message(message)


TRANSPORTS = {"file": FileTransport, "smtp": SmtpTransport}


def transport():
    return TRANSPORTS[current_app.config["MAIL_TRANSPORT"]]()


def _deliverable(now):
    return sa.and_(OutgoingMail.sent_at.is_(None), OutgoingMail.given_up_at.is_(None),
                   sa.or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
                   sa.or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now))


def _claim(mail_id: int) -> OutgoingMail | None:
    """Hold the message for this delivery: one conditional update, so of two deliveries of one
    message (its job and the sweep's) only one goes on, on either database."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(OutgoingMail).where(OutgoingMail.id == mail_id, _deliverable(now))
        .values(claimed_until=now + timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"]),
                attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(OutgoingMail, mail_id) if claimed.rowcount == 1 else None


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4… minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


@jobs.task()
def deliver(mail_id: int) -> None:
    mail = _claim(mail_id)
    if mail is None:
        return  # sent, given up, or being delivered by another job
    try:
        transport().send(build_message(mail))
    except (OSError, smtplib.SMTPException) as error:
        now = utcnow()
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        mail.claimed_until = None
        if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            mail.given_up_at = now
            db.session.commit()
            current_app.logger.error("Gave up mail %s to %s: %s", mail.id, mail.recipient, mail.last_error)
            return
        delay = retry_delay(mail.attempts)
        mail.next_attempt_at = now + delay
        db.session.commit()
        deliver.schedule((mail_id,), delay=delay.total_seconds())
        return
    mail.sent_at, mail.claimed_until, mail.last_error = utcnow(), None, None
    db.session.commit()


def requeue_undelivered(grace: timedelta) -> int:
    """Queue again the messages no job is delivering: their job was lost, or died holding them."""
    now = utcnow()
    mail_ids = db.session.scalars(
        sa.select(OutgoingMail.id).where(_deliverable(now), OutgoingMail.created_at <= now - grace)
        .order_by(OutgoingMail.id).limit(SWEEP_BATCH)).all()
    db.session.rollback()
    for mail_id in mail_ids:
        deliver(mail_id)
    return len(mail_ids)


@jobs.task()
def deliver_each(mail_ids: list[int]) -> None:
    for mail_id in mail_ids:
        deliver.call_local(mail_id)


@jobs.periodic_task(crontab(minute="*"))
def sweep() -> int:
    return requeue_undelivered(SWEEP_GRACE)


@jobs.task()
def sweep_at_start() -> int:
    """A worker that starts may follow one that was killed: it looks at once, not in a minute.
    A message whose job is also still queued is delivered once: the first delivery holds it."""
    return requeue_undelivered(timedelta(0))


def retry(mail: OutgoingMail) -> None:
    """The secretariat sends a given-up (or waiting) message once more, now."""
    mail.given_up_at = mail.next_attempt_at = None
    mail.attempts = 0
    db.session.flush()
    jobs.after_commit(deliver, mail.id)
