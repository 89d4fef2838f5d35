"""Notices, following, preferences (logged in, or from a mail's signed link) and one-click unsubscribe."""

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from consult.accounts import tokens
from consult.accounts.forms import options
from consult.addresses import safe_next
from consult.extensions import csrf, db
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.models import Region, Round, User
from consult.notifications import announcements, bp, services
from consult.notifications.forms import AnnouncementForm
from consult.notifications.kinds import GROUPS, RHYTHMS
from consult.permissions import Action, authorize, checked, public, requires

LINK_MAX_AGE = timedelta(days=365)  # a year-old mail's links still work


@bp.route("/my/notices")
@requires(Action.manage_own_account)
def notices():
    items = services.notices_for(current_user)
    described = {item.notice.id: item for item in services.describe(items, current_user.locale or "en")}
    return render_template("notifications/notices.html", notices=items, described=described)


@bp.route("/my/notices/read", methods=["POST"])
@requires(Action.manage_own_account)
def notices_read():
    if ConfirmForm().validate_on_submit():
        services.mark_notices_read(current_user)
    return redirect(url_for(".notices"))


@bp.route("/my/following")
@requires(Action.manage_own_account)
def following():
    return render_template("notifications/following.html",
                           followed=services.followed_by(current_user, current_user.locale or "en"))


@bp.route("/follow/<any(article, amendment, round):target>/<int:target_id>", methods=["POST"])
@checked
def follow(target: str, target_id: int):
    thing = db.session.get(services.FOLLOWABLE[target], target_id) or abort(404)
    authorize(Action.manage_own_account)
    back = safe_next(request.form.get("next"), url_for(".following"))
    if ConfirmForm().validate_on_submit():
        if request.form.get("stop"):
            services.unfollow(current_user, target, thing.id)
            flash(_("You no longer follow this."), "info")
        else:
            services.follow(current_user, target, thing.id)
            flash(_("You follow this now. News of it comes as you chose in your notification settings."), "success")
    return redirect(back)


def _preferences_page(user: User, token: str | None = None, status: int = 200):
    return render_template("notifications/preferences.html", groups=GROUPS, rhythms=RHYTHMS,
                           chosen=services.preferences(user), person=user, token=token), status


def _save_preferences(user: User) -> bool:
    chosen = {name: request.form.get(name, "") for name in GROUPS}
    if not ConfirmForm().validate_on_submit() or any(value not in RHYTHMS for value in chosen.values()):
        return False
    services.set_preferences(user, chosen)
    flash(_("Your notification settings have been saved."), "success")
    return True


@bp.route("/my/notifications", methods=["GET", "POST"])
@requires(Action.manage_own_account)
def preferences():
    if request.method == "POST":
        if _save_preferences(current_user):
            return redirect(url_for(".preferences"))
        return _preferences_page(current_user, status=400)
    return _preferences_page(current_user)


def _person_of(purpose: str, token: str) -> tuple[User, dict]:
    try:
        payload = tokens.read(purpose, token, LINK_MAX_AGE)
    except (tokens.LinkExpired, tokens.LinkInvalid):
        abort(404)
    user = db.session.get(User, payload.get("user"))
    if user is None or user.deleted_at is not None:
        abort(404)
    return user, payload


@bp.route("/notifications/<token>", methods=["GET", "POST"])
@public
def preferences_by_link(token: str):
    """The settings from a mail's footer, without logging in: the signed link is the key."""
    user, _payload = _person_of("preferences", token)
    if request.method == "POST":
        if _save_preferences(user):
            return redirect(url_for(".preferences_by_link", token=token))
        return _preferences_page(user, token, status=400)
    return _preferences_page(user, token)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs post here with no session; the signed address is the key
@public
def unsubscribe(token: str):
    user, payload = _person_of("unsubscribe", token)
    groups = [name for name in payload.get("groups", []) if name in GROUPS]
    if request.method == "POST":
        services.set_preferences(user, {name: "never" for name in groups})
        return render_template("notifications/unsubscribed.html", groups=[GROUPS[n] for n in groups],
                               settings=url_for(".preferences_by_link",
                                                token=tokens.sign("preferences", {"user": user.id})))
    return render_template("notifications/unsubscribe.html", groups=[GROUPS[n] for n in groups])


# --- announcements of the secretariat -------------------------------------------------------------


def _announcement_form():
    form = AnnouncementForm()
    locale = current_locale()
    rounds = db.session.scalars(sa.select(Round).order_by(Round.opens_at.desc(), Round.id.desc())).all()
    form.round_id.choices = options([("", _("Choose a round")), *(
        (r.id, f"{r.title(locale)} ({r.region.label})") for r in rounds)])
    form.rounds = {r.id: r for r in rounds}
    return form


def _announcement_of(form) -> announcements.Announcement:
    kind = announcements.AudienceKind(form.audience.data)
    audience = announcements.Audience(
        kind, round=form.rounds.get(form.round_id.data) if kind in (
            announcements.AudienceKind.participants, announcements.AudienceKind.eligible) else None,
        region=Region(form.region.data) if kind is announcements.AudienceKind.region else None)
    return announcements.Announcement(audience,
                                      {loc: form[f"subject_{loc}"].data or "" for loc in announcements.LOCALES},
                                      {loc: form[f"body_{loc}"].data or "" for loc in announcements.LOCALES})


@bp.route("/announcements", methods=["GET", "POST"])
@requires(Action.manage_users)
def announce():
    """Write (and correct), preview with the number of recipients, then send: one form, whose text
    travels in the preview's hidden fields, so nothing is kept on the server between the steps."""
    form = _announcement_form()
    step = request.form.get("step")
    if form.validate_on_submit() and step != "edit":
        announcement = _announcement_of(form)
        if step == "send":
            sent = announcements.send(current_user, announcement)
            if sent.recipients:
                flash(ngettext("The announcement is on its way to %(num)s person.",
                               "The announcement is on its way to %(num)s people.", sent.recipients), "success")
                return redirect(url_for(".announce"))
            flash(_("Nobody would receive this announcement: nothing was sent. Choose another audience."), "error")
        else:
            return render_template("notifications/announcement_preview.html", form=form, announcement=announcement,
                                   preview=announcements.preview(announcement))
    status = 400 if form.errors or (request.method == "POST" and step == "send") else 200
    return render_template("notifications/announcement.html", form=form), status
