from flask import current_app
from flask_babel import lazy_gettext as _l
from consult.forms import Form, Legible
from wtforms import SelectChoice
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from consult.i18n import LANGUAGE_NAMES, country_choices
from consult.models import OrganisationKind, Region


class LoginForm(Form):
    # No format check here: logging in only looks the address up (demo accounts use .test).
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _language_choices():
    return options(LANGUAGE_NAMES.items())


class MinimumPasswordLength:
    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("Use at least %(n)s characters.", n=minimum))


class RegistrationForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120), Legible()])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        _l("Repeat the password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    locale = SelectField(_l("Preferred language"), choices=_language_choices)
    affiliation = RadioField(
        _l("I take part"),
        choices=lambda: options([
            ("existing", _l("for an organisation already on the platform (I ask to join it)")),
            ("new", _l("for an organisation not yet on the platform")),
            ("individual", _l("as an individual")),
        ]),
        default="existing",
    )
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()], validate_choice=False)
    organisation_name = StringField(_l("Name of the organisation"), validators=[Optional(), Length(max=200), Legible()])
    organisation_kind = SelectField(_l("Kind of organisation"), choices=lambda: options(OrganisationKind.choices()))
    organisation_region = SelectField(_l("UCLG region"), choices=lambda: options(Region.choices()[1:]))
    country = SelectField(_l("Country"), validators=[Optional()], choices=[])
    accept_privacy = BooleanField(_l("I have read and accept the privacy notice"), validators=[
        DataRequired(_l("Please read the privacy notice and tick the box to accept it."))])

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = options([(0, _l("Choose your organisation"))] + [(o.id, o.name) for o in organisations])
        self.country.choices = options([("", _l("Choose a country"))] + country_choices())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        required = _l("This field is required.")
        if self.affiliation.data == "existing":
            valid_ids = {choice.value for choice in self.organisation_id.choices if choice.value}
            if self.organisation_id.data not in valid_ids:
                self.organisation_id.errors.append(_l("Choose your organisation in the list."))
                ok = False
        elif self.affiliation.data == "new":
            if not (self.organisation_name.data or "").strip():
                self.organisation_name.errors.append(required)
                ok = False
            if not self.country.data:
                self.country.errors.append(required)
                ok = False
        return ok


class MembershipRequestForm(Form):
    """Ask to join an organisation already on the platform."""

    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = options([(0, _l("Choose the organisation"))] + [(o.id, o.name) for o in organisations])

    def validate_organisation_id(self, field):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(_l("Choose your organisation in the list."))


class SettingsForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120), Legible()])
    locale = SelectField(_l("Preferred language"), choices=_language_choices)


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )


class LanguageForm(Form):
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(Form):
    """A password chosen from a link in a mail: a reset, or an invitation's first one."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )


class EmailChangeForm(Form):
    new_email = EmailField(_l("New e-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    # Not `current_password`: the password form on the same page has that field (and its id).
    password = PasswordField(_l("Current password"), validators=[DataRequired()])


class DeleteAccountForm(Form):
    # Names of their own: the other forms of the settings page have a `password` field (and its id).
    delete_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    understood = BooleanField(
        _l("I understand that my account and personal data will be deleted, and that this cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm."))])
