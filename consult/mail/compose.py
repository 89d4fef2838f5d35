"""Writing a mail into the outbox, rendered in the recipient's language.

The row is added to the current transaction and its delivery queued for after the commit: the
mail goes out if and only if the act that caused it is saved."""

from email.utils import make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template, request
from flask_babel import force_locale, gettext as _

from consult import jobs
from consult.extensions import db
from consult.models import OutgoingMail, User, utcnow


def queue(recipient: User | str, kind: str, *, subject, to: str | None = None, locale: str | None = None,
          headers: dict | None = None, **context) -> OutgoingMail:
    """Render `mail/<kind>.txt` and `.html` for `recipient` and put the message in the outbox."""
    mail = render(recipient, kind, subject=subject, to=to, locale=locale, headers=headers, **context)
    queue_all([mail])
    return mail


def queue_all(mails: list[OutgoingMail]) -> None:
    """Put rendered messages in the outbox, in one flush, delivered after the commit: a job per
    message, or per DELIVERY_GROUP messages when there are many (thousands of invitations)."""
    from consult.mail import delivery

    if not mails:
        return
    if len(mails) == 1:
        db.session.add(mails[0])
        db.session.flush()
        jobs.after_commit(delivery.deliver, mails[0].id)
        return
    # Many at once: one executemany, not an INSERT … RETURNING per row, and their ids read back.
    columns = [c.key for c in OutgoingMail.__table__.columns if c.key != "id"]
    db.session.execute(sa.insert(OutgoingMail), [{key: getattr(mail, key) for key in columns} for mail in mails])
    ids = db.session.scalars(sa.select(OutgoingMail.id).where(
        OutgoingMail.message_id.in_([mail.message_id for mail in mails])).order_by(OutgoingMail.id)).all()
    for start in range(0, len(ids), delivery.DELIVERY_GROUP):
        jobs.after_commit(delivery.deliver_each, ids[start:start + delivery.DELIVERY_GROUP])


def render(recipient: User | str, kind: str, *, subject, to: str | None = None, locale: str | None = None,
           headers: dict | None = None, **context) -> OutgoingMail:
    """The message, not yet in the outbox (see queue).

    `subject` is a lazy string, so that it too is in the recipient's language; `locale` is for an
    address with no account yet (an invitation), otherwise the account's preference is used; `to` sends
    an account's mail to another address (a new one to confirm, the old one to warn)."""
    user = recipient if isinstance(recipient, User) else None
    address = to or (user.email if user else recipient)
    locale = locale or (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        context.update(recipient=user, address=address, locale=locale, subject=str(subject),
                       platform_name=current_app.config["PLATFORM_NAME"] or _("Human Rights in the City: charter consultation"),
                       home=external_url("charter.home"))
        return OutgoingMail(
            message_id=make_msgid(domain=_sender_domain()),
            kind=kind,
            recipient=address,
            user_id=user.id if user else None,
            locale=locale,
            subject=context["subject"][:300],
            text_body=render_template(f"mail/{kind}.txt", **context),
            html_body=render_template(f"mail/{kind}.html", **context),
            headers=headers,
            created_at=utcnow(),
            attempts=0,
        )


def _sender_domain() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"


def external_url(endpoint: str, **values) -> str:
    """An address to put in a mail: under BASE_URL when it is set, otherwise under the address the
    request came to, otherwise under the one the job that writes the mail was given (`g.link_base`)."""
    base = current_app.config.get("BASE_URL") or g.get("link_base")
    if not base and has_request_context():
        base = request.url_root
    if not base:
        raise RuntimeError("BASE_URL is not set: a mail written outside a request needs it for its links")
    scheme, _, rest = base.partition("://")
    host, _, path = rest.partition("/")
    adapter = current_app.url_map.bind(host, script_name="/" + path.strip("/"), url_scheme=scheme)
    return adapter.build(endpoint, values, force_external=True)
