from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consult.accounts import bp, forms, services
from consult.extensions import db, limiter
from consult.forms import ConfirmForm
from consult.models import Organisation, OrganisationKind, Region
from consult.permissions import Action, public, requires


def safe_next(target: str | None, fallback: str) -> str:
    """Only ever follow a local path: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


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
        organisation = _organisation_from(form)
        services.register(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            locale=form.locale.data,
            organisation=organisation,
            country=form.country.data or None,
        )
        # The same answer whether or not the address already had an account.
        flash(_("Thank you for registering. You can now log in with your e-mail address and password."), "success")
        return redirect(url_for(".login", email=services.normalise_email(form.email.data)))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


def _request_locale() -> str:
    from consult.i18n import current_locale

    return current_locale()


def _organisation_from(form: forms.RegistrationForm) -> Organisation | None:
    if form.affiliation.data == "existing":
        return db.session.get(Organisation, form.organisation_id.data)
    if form.affiliation.data == "new":
        return services.find_or_create_organisation(
            form.organisation_name.data,
            OrganisationKind(form.organisation_kind.data),
            form.country.data,
            Region(form.organisation_region.data),
        )
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
                   status: int = 200):
    """The settings page holds two forms; the one not sent is shown as new, whatever the other sent."""
    form = form or forms.SettingsForm(formdata=None, obj=current_user)
    password_form = password_form or forms.PasswordForm(formdata=None)
    return render_template("accounts/settings.html", form=form, password_form=password_form), status


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
