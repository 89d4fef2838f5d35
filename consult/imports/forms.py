from flask_babel import lazy_gettext as _l
from consult.forms import Form
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class ImportForm(Form):
    label_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    label_fr = StringField(_l("Name in French"), validators=[Optional(), Length(max=120)])
    label_es = StringField(_l("Name in Spanish"), validators=[Optional(), Length(max=120)])
    file_en = FileField(_l("English text"), validators=[FileRequired(_l("Choose the English file."))])
    file_fr = FileField(_l("French text"))
    file_es = FileField(_l("Spanish text"))
    # Choices: the charter's versions, newest first, then NO_EARLIER_VERSION (set by the view).
    based_on = SelectField(_l("The version this draft revises"))


NO_EARLIER_VERSION = "none"


class ConfirmImportForm(Form):
    token = HiddenField(validators=[DataRequired()])
