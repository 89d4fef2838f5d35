
from flask import (Response, current_app, flash, redirect, render_template, request, session,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consult.accounts import bp, forms, privacy, services, tokens
from consult.extensions import db, limiter
from consult.forms import ConfirmForm
from consult.models import Organisation, OrganisationKind, Region, User
from consult.permissions import Action, authorize, can, checked, public, requires
from consult.addresses import safe_next


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _attempted_account() -> str:
    """Whoever tries an account, from however many addresses, shares one count."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _this_device_login() -> str | None:
    """The login this request's cookies name: Flask-Login keeps get_id() in the session."""
    return session.get("_user_id")


def _refused(response) -> bool:
    # Only refusals count: a person who gets in uses up nothing of the limit.
    return response.status_code == 400


@bp.route("/account/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"], deduct_when=_refused)
@limiter.limit(_account_limit, methods=["POST"], deduct_when=_refused, key_func=_attempted_account)
@public
def login():
    form = forms.LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("charter.home")))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.end_session(_this_device_login())  # the one it had until now, if any
            services.start_session(user, remember=form.remember.data)
            login_user(user, remember=form.remember.data)
            session.pop("lang", None)  # the saved preference takes over
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data, url_for("charter.home")))
        # Same words whether the address is unknown or the password wrong.
        flash(_("That e-mail address and password do not match an account."), "error")
    elif request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/account/register", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@public
def register():
    form = forms.RegistrationForm(organisations=services.organisations_for_choice())
    if request.method == "GET":
        form.locale.data = request.args.get("lang") or _request_locale()
    if form.validate_on_submit():
        affiliation = _affiliation_from(form)
        services.register_participant(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            locale=form.locale.data,
            country=form.country.data or None,
            affiliation=affiliation,
        )
        # The same answer whether or not the address already had an account: it depends on the form only.
        flash(_registered_message(form, affiliation), "success")
        return redirect(url_for(".login", email=services.normalise_email(form.email.data)))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


def _registered_message(form: forms.RegistrationForm,
                        affiliation: Organisation | services.NewOrganisation | None) -> str:
    thanks = _("Thank you for registering. We sent a link to %(address)s: open it to confirm your address, "
               "then you can take part. You can log in already.", address=services.normalise_email(form.email.data))
    if isinstance(affiliation, services.NewOrganisation):
        return thanks + " " + _("%(organisation)s is now on the platform, with you as its contact; the secretariat "
                                "will verify it.", organisation=affiliation.name)
    if affiliation is not None and form.affiliation.data == "new":
        return thanks + " " + _("%(organisation)s is already on the platform, so you asked to join it: its contact "
                                "or the secretariat will approve the request, and until then you take part as an "
                                "individual.", organisation=affiliation.name)
    if affiliation is not None:
        return thanks + " " + _("You asked to join %(organisation)s: its contact or the secretariat will approve "
                                "the request, and until then you take part as an individual.",
                                organisation=affiliation.name)
    return thanks


def _request_locale() -> str:
    from consult.i18n import current_locale

    return current_locale()


def _affiliation_from(form: forms.RegistrationForm) -> Organisation | services.NewOrganisation | None:
    if form.affiliation.data == "existing":
        return db.session.get(Organisation, form.organisation_id.data)
    if form.affiliation.data == "new":
        return services.affiliation_for(services.NewOrganisation(
            " ".join(form.organisation_name.data.split()),
            OrganisationKind(form.organisation_kind.data),
            form.country.data,
            Region(form.organisation_region.data),
        ))
    return None


@bp.route("/account/logout", methods=["POST"])
@requires(Action.manage_own_account)
def logout():
    if ConfirmForm().validate_on_submit():
        session["lang"] = current_user.locale or session.get("lang")  # keep their language after
        services.end_session(_this_device_login())  # so a copy of its cookies stops working too
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("charter.home"))


@bp.route("/account/logout-everywhere", methods=["POST"])
@requires(Action.manage_own_account)
def logout_everywhere():
    if ConfirmForm().validate_on_submit():
        session["lang"] = current_user.locale or session.get("lang")
        services.end_all_sessions(current_user)
        logout_user()
        flash(_("You have logged out on every device."), "info")
        return redirect(url_for(".login"))
    return redirect(url_for(".settings"))


@bp.route("/account/settings", methods=["GET", "POST"])
@requires(Action.manage_own_account)
def settings():
    form = forms.SettingsForm(obj=current_user)
    if form.validate_on_submit():
        services.set_preferences(current_user, name=form.name.data, locale=form.locale.data)
        session.pop("lang", None)
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for(".settings"))
    return _settings_page(form=form, status=400 if request.method == "POST" else 200)


@bp.route("/account/password", methods=["POST"])
@limiter.limit(_auth_limit, methods=["POST"], deduct_when=_refused)
@requires(Action.manage_own_account)
def change_password():
    form = forms.PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.change_password(user, form.current_password.data, form.password.data):
            login_user(user, remember=services.is_remembered(user))  # this device's new login
            flash(_("Your password has been changed, and your other devices have been logged out."), "success")
            return redirect(url_for(".settings"))
        form.current_password.errors.append(_("The current password is not right."))
    return _settings_page(password_form=form, status=400)


def _settings_page(form: forms.SettingsForm | None = None, password_form: forms.PasswordForm | None = None,
                   membership_form: forms.MembershipRequestForm | None = None,
                   email_form: forms.EmailChangeForm | None = None,
                   delete_form: forms.DeleteAccountForm | None = None, status: int = 200):
    """The settings page holds several forms; those not sent are shown as new, whatever the other sent."""
    form = form or forms.SettingsForm(formdata=None, obj=current_user)
    password_form = password_form or forms.PasswordForm(formdata=None)
    membership_form = membership_form or _membership_form(formdata=None)
    email_form = email_form or forms.EmailChangeForm(formdata=None)
    delete_form = delete_form or forms.DeleteAccountForm(formdata=None)
    return render_template("accounts/settings.html", form=form, password_form=password_form,
                           membership_form=membership_form, email_form=email_form, delete_form=delete_form,
                           privacy_notice_version=privacy.PRIVACY_NOTICE_VERSION), status


# --- addresses and passwords, by mail ---------------------------------------------------------


def _link_refused(error: Exception, expired: str, invalid: str):
    """A link from a mail that no longer works: a page that says why and what to do, status 400."""
    message = expired if isinstance(error, tokens.LinkExpired) else invalid
    return render_template("accounts/link_refused.html", message=message), 400


@bp.route("/account/confirm/<token>")
@public
def confirm_email(token: str):
    try:
        user = services.confirm_email(token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_refused(
            error, _("This confirmation link has expired. Log in and ask for a new one."),
            _("This confirmation link does not work: it may be incomplete, or your address has changed since."))
    flash(_("Thank you: your address %(address)s is confirmed, and you can take part.", address=user.email),
          "success")
    if current_user.is_authenticated:
        return redirect(url_for("charter.home"))
    return redirect(url_for(".login", email=user.email))


@bp.route("/account/confirm", methods=["POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@requires(Action.manage_own_account)
def resend_confirmation():
    if ConfirmForm().validate_on_submit() and not current_user.is_confirmed:
        services.send_confirmation(current_user)
        flash(_("We sent a new link to %(address)s.", address=current_user.email), "success")
    return redirect(safe_next(request.form.get("next"), url_for("charter.home")))


@bp.route("/account/password/forgot", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@public
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        # Queued whatever the address: the job finds out whether it has an account.
        services.send_password_reset(services.normalise_email(form.email.data), request.url_root)
        flash(_("If %(address)s belongs to an account, a link to choose a new password is on its way. "
                "It works for %(hours)s hours.", address=services.normalise_email(form.email.data),
                hours=int(current_app.config["RESET_PASSWORD_MAX_AGE"].total_seconds() // 3600)), "info")
        return redirect(url_for(".login", email=services.normalise_email(form.email.data)))
    return render_template("accounts/forgot_password.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/account/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@public
def reset_password(token: str):
    try:
        user = services.user_for_reset(token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_refused(
            error, _("This link has expired. Ask for a new one: it comes by mail at once."),
            _("This link has already been used, or is incomplete. Ask for a new one if you still need it."))
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your new password is saved, and every device has been logged out. Log in with it now."), "success")
        return redirect(url_for(".login", email=user.email))
    return render_template("accounts/reset_password.html", form=form, user=user), \
        400 if request.method == "POST" else 200


@bp.route("/account/email", methods=["POST"])
@limiter.limit(_auth_limit, methods=["POST"], deduct_when=_refused)
@requires(Action.manage_own_account)
def change_email():
    form = forms.EmailChangeForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.password.data) is None:
            form.password.errors.append(_("The current password is not right."))
        elif services.normalise_email(form.new_email.data) == current_user.email:
            form.new_email.errors.append(_("This is already your address."))
        else:
            services.request_email_change(current_user, form.new_email.data)
            flash(_("We sent a link to %(address)s. Your account moves to that address once you open it there.",
                    address=services.normalise_email(form.new_email.data)), "success")
            return redirect(url_for(".settings"))
    return _settings_page(email_form=form, status=400)


@bp.route("/account/email/confirm/<token>")
@public
def confirm_email_change(token: str):
    try:
        user = services.confirm_email_change(token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_refused(
            error, _("This link has expired. Ask for the change again in your account settings."),
            _("This link has already been used, or is incomplete."))
    except services.AddressTaken:
        return render_template("accounts/link_refused.html", message=_(
            "This address now belongs to another account, so your account keeps its present address.")), 409
    flash(_("Your account's address is now %(address)s.", address=user.email), "success")
    return redirect(url_for(".settings") if current_user.is_authenticated else url_for(".login", email=user.email))


# --- joining an organisation ----------------------------------------------------------------


def _membership_form(**kwargs) -> forms.MembershipRequestForm:
    others = [o for o in services.organisations_for_choice() if o.id != current_user.organisation_id]
    return forms.MembershipRequestForm(organisations=others, **kwargs)


@bp.route("/account/membership/request", methods=["POST"])
@requires(Action.manage_own_account)
def request_membership():
    form = _membership_form()
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data)
        try:
            services.request_membership(current_user, organisation)
        except services.MembershipError:
            flash(_("You already have a request waiting; cancel it first to ask another organisation."), "error")
        else:
            flash(_("You asked to join %(organisation)s. Its contact or the secretariat will approve the request; "
                    "until then you take part as an individual.", organisation=organisation.name), "success")
        return redirect(url_for(".settings"))
    return _settings_page(membership_form=form, status=400)


@bp.route("/account/membership/cancel", methods=["POST"])
@requires(Action.manage_own_account)
def cancel_membership_request():
    if ConfirmForm().validate_on_submit() and current_user.requested_organisation_id is not None:
        services.cancel_membership_request(current_user)
        flash(_("Your request to join an organisation has been cancelled."), "info")
    return redirect(url_for(".settings"))


@bp.route("/account/organisations/<int:organisation_id>/requests")
@checked
def membership_requests(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    authorize(Action.decide_membership, organisation)
    return render_template("accounts/membership_requests.html", organisation=organisation,
                           requests=services.membership_requests(organisation))


@bp.route("/account/organisations/<int:organisation_id>/requests/<int:user_id>/<any(approve, refuse):decision>",
          methods=["POST"])
@checked
def decide_membership(organisation_id: int, user_id: int, decision: str):
    organisation = db.get_or_404(Organisation, organisation_id)
    authorize(Action.decide_membership, organisation)
    person = db.get_or_404(User, user_id)
    back = safe_next(request.form.get("next"), url_for(".membership_requests", organisation_id=organisation.id))
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    try:
        if decision == "approve":
            services.approve_membership(current_user, person, organisation)
            flash(_("%(name)s is now a member of %(organisation)s.", name=person.name,
                    organisation=organisation.name), "success")
        else:
            services.refuse_membership(current_user, person, organisation)
            flash(_("The request of %(name)s to join %(organisation)s has been refused.", name=person.name,
                    organisation=organisation.name), "info")
    except services.MembershipError:
        flash(_("This request is no longer waiting: it was decided or cancelled."), "info")
    return redirect(back)


@bp.app_template_global()
def membership_requests_waiting() -> tuple[Organisation | None, int]:
    """For the header: the requests to join the person's organisation that they, as its contact, decide on."""
    if not (current_user.is_authenticated and current_user.is_contact):
        return None, 0
    organisation = current_user.organisation
    if not can(Action.decide_membership, organisation):
        return organisation, 0
    return organisation, services.membership_request_count(organisation)


@bp.route("/language/<lang>", methods=["POST"])
@public
def switch_language(lang: str):
    """The switcher on every page. A logged-in person's choice becomes their saved preference."""
    form = forms.LanguageForm()
    target = safe_next(form.next.data, url_for("charter.home"))
    if form.validate_on_submit() and lang in current_app.config["LOCALES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            services.set_preferences(current_user, locale=lang)
    return redirect(target)


# --- privacy ----------------------------------------------------------------------------------


@bp.route("/privacy")
@public
def privacy_notice():
    return render_template("accounts/privacy.html", version=privacy.PRIVACY_NOTICE_VERSION)


@bp.route("/account/my-data.json")
@requires(Action.manage_own_account)
def download_my_data():
    app, user_id = current_app._get_current_object(), current_user.id

    def body():
        with app.app_context():  # read after the request's session has closed, as exports are
            yield from privacy.personal_data(user_id)

    return Response(stream_with_context(body()), content_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="my-data.json"'})


@bp.route("/account/delete", methods=["POST"])
@limiter.limit(_auth_limit, methods=["POST"], deduct_when=_refused)
@requires(Action.manage_own_account)
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.delete_password.data) is None:
            form.delete_password.errors.append(_("The current password is not right."))
        else:
            session["lang"] = current_user.locale or session.get("lang")  # the farewell in their language
            privacy.delete_account(current_user._get_current_object())
            logout_user()
            flash(_("Your account and your personal data have been deleted. What you contributed stays on the "
                    "record of the consultation, as that of a former participant."), "info")
            return redirect(url_for("charter.home"))
    return _settings_page(delete_form=form, status=400)
