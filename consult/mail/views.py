"""The secretariat's view of the outbox: mail not yet delivered, why, and a way to send it again."""

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from consult.addresses import page_link
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.mail import bp, delivery
from consult.models import OutgoingMail, utcnow
from consult.permissions import Action, requires

PER_PAGE = 50


@bp.route("/")
@requires(Action.manage_users)
def undelivered():
    undelivered_mail = sa.select(OutgoingMail).where(OutgoingMail.sent_at.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(undelivered_mail.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    mails = db.session.scalars(undelivered_mail.order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    day_ago = utcnow() - timedelta(days=1)
    sent_today = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)
                                   .where(OutgoingMail.sent_at >= day_ago))
    return render_template("mail/undelivered.html", mails=mails, total=total, page=page, pages=pages,
                           link=page_link("page"), sent_today=sent_today, now=utcnow())


@bp.route("/<int:mail_id>/retry", methods=["POST"])
@requires(Action.manage_users)
def retry(mail_id: int):
    mail = db.get_or_404(OutgoingMail, mail_id)
    if ConfirmForm().validate_on_submit() and mail.sent_at is None:
        delivery.retry(mail)
        flash(_("The mail to %(address)s will be sent again now.", address=mail.recipient), "success")
    return redirect(url_for(".undelivered"))
