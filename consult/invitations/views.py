from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user

from consult.accounts import services as accounts
from consult.accounts import tokens
from consult.extensions import db, limiter
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.invitations import bp, forms, services
from consult.models import Invitation
from consult.permissions import Action, public, requires

PREVIEW_VALID_ROWS = 300  # the rows without errors shown in full; every row with an error is shown


@bp.route("/")
@requires(Action.manage_users)
def index():
    batch = request.args.get("batch") or None
    result = services.invitations_page(batch, request.args.get("page", 1, type=int))
    return render_template("invitations/index.html", result=result, batch=batch, batches=services.batches(),
                           expired_before=services.expired_before())


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.manage_users)
def new():
    form = forms.UploadForm(locale=current_user.locale or current_locale())
    if form.validate_on_submit():
        data = form.file.data.read(services.MAX_BYTES + 1)
        preview = services.preview(data, form.locale.data)
        if preview.error is None:
            token = services.keep_for_confirmation(current_user, data, form.locale.data)
            return render_template("invitations/preview.html", preview=preview, shown=PREVIEW_VALID_ROWS,
                                   send_form=forms.SendForm(token=token), filename=form.file.data.filename)
        form.file.errors = [preview.error]
    return render_template("invitations/new.html", form=form, max_rows=services.MAX_ROWS,
                           max_mb=services.MAX_BYTES // (1024 * 1024)), 400 if form.is_submitted() else 200


@bp.route("/send", methods=["POST"])
@requires(Action.manage_users)
def send():
    form = forms.SendForm()
    kept = services.claim(current_user, form.token.data) if form.validate_on_submit() else None
    if kept is None:
        flash(_("This preview has expired or was already sent. Please upload the list again."), "error")
        return redirect(url_for(".new"))
    preview = services.preview(*kept)  # checked again: someone may have registered since
    if preview.error or not preview.valid:
        flash(_("Nobody on this list can be invited any more. Please upload the list again."), "error")
        return redirect(url_for(".new"))
    batch, count = services.send(current_user, preview)
    flash(ngettext("%(num)s invitation is on its way.", "%(num)s invitations are on their way.", count), "success")
    if preview.invalid:
        flash(ngettext("%(num)s row with an error was left out.", "%(num)s rows with errors were left out.",
                       len(preview.invalid)), "info")
    return redirect(url_for(".index", batch=batch))


@bp.route("/<int:invitation_id>/again", methods=["POST"])
@requires(Action.manage_users)
def send_again(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit() and invitation.accepted_at is None:
        services.send_again(current_user, invitation)
        flash(_("A new invitation is on its way to %(address)s.", address=invitation.email), "success")
    return redirect(url_for(".index", batch=invitation.batch))


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@public
def accept(token: str):
    try:
        invitation = services.invitation_for(token)
    except tokens.LinkExpired:
        return _refused(_("This invitation has expired. Ask the secretariat to send it again."))
    except tokens.LinkInvalid:
        return _refused(_("This invitation link does not work: it may be incomplete."))
    except services.AlreadyAccepted:
        return _accepted_already()
    form = forms.AcceptForm(name=invitation.name, locale=invitation.locale)
    if form.validate_on_submit():
        try:
            user = services.accept(invitation, name=form.name.data, password=form.password.data,
                                   locale=form.locale.data)
        except services.AlreadyAccepted:
            return _accepted_already()
        accounts.end_session(session.get("_user_id"))  # whoever was logged in on this device before
        accounts.start_session(user, remember=False)
        login_user(user)
        session.pop("lang", None)  # the language just chosen takes over
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("charter.home"))
    return render_template("invitations/accept.html", form=form, invitation=invitation), \
        400 if request.method == "POST" else 200


def _refused(message: str):
    return render_template("invitations/refused.html", message=message), 400


def _accepted_already():
    return render_template("invitations/refused.html", message=_(
        "This invitation has already been accepted: an account exists for its address. Log in, or choose a new "
        "password if you have forgotten it."), accepted=True), 409
