from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from consult.accounts.forms import NewPasswordForm, options
from consult.forms import Form, Legible
from consult.i18n import LANGUAGE_NAMES


def _languages():
    return options(LANGUAGE_NAMES.items())


class UploadForm(Form):
    file = FileField(_l("List of people (CSV)"), validators=[FileRequired(_l("Choose the CSV file."))])
    locale = SelectField(_l("Language of the invitations"), choices=_languages)


class SendForm(Form):
    token = HiddenField(validators=[DataRequired()])


class AcceptForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120), Legible()])
    locale = SelectField(_l("Preferred language"), choices=_languages)
    accept_privacy = BooleanField(_l("I have read and accept the privacy notice"), validators=[
        DataRequired(_l("Please read the privacy notice and tick the box to accept it."))])
