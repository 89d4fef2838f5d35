
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consult.accounts import bp, forms, services
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
    if isinstance(affiliation, services.NewOrganisation):
        return _("Thank you for registering. You can now log in with your e-mail address and password. "
                 "%(organisation)s is now on the platform, with you as its contact; the secretariat will verify it.",
                 organisation=affiliation.name)
    if affiliation is not None and form.affiliation.data == "new":
        return _("Thank you for registering. You can now log in with your e-mail address and password. "
                 "%(organisation)s is already on the platform, so you asked to join it: its contact or the "
                 "secretariat will approve the request, and until then you take part as an individual.",
                 organisation=affiliation.name)
    if affiliation is not None:
        return _("Thank you for registering. You can now log in with your e-mail address and password. "
                 "You asked to join %(organisation)s: its contact or the secretariat will approve the request, "
                 "and until then you take part as an individual.", organisation=affiliation.name)
    return _("Thank you for registering. You can now log in with your e-mail address and password.")


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
                   membership_form: forms.MembershipRequestForm | None = None, status: int = 200):
    """The settings page holds several forms; those not sent are shown as new, whatever the other sent."""
    form = form or forms.SettingsForm(formdata=None, obj=current_user)
    password_form = password_form or forms.PasswordForm(formdata=None)
    membership_form = membership_form or _membership_form(formdata=None)
    return render_template("accounts/settings.html", form=form, password_form=password_form,
                           membership_form=membership_form), status


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
