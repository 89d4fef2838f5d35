from flask_babel import lazy_gettext as _l
from consult.forms import Form
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from consult.accounts.forms import options
from consult.i18n import LANGUAGE_NAMES


class AmendmentForm(Form):
    locale = SelectField(_l("Language version you amend"), choices=lambda: options(LANGUAGE_NAMES.items()))
    title = StringField(_l("Title of the article"), validators=[Optional(), Length(max=300)])
    body = TextAreaField(_l("Text of the article"), validators=[Optional(), Length(max=20_000)])
    rationale = TextAreaField(_l("Why this change?"), validators=[DataRequired(), Length(max=10_000)])
    token = HiddenField()
    preview = SubmitField(_l("Preview the change"))
    submit = SubmitField(_l("Submit the amendment"))

    def __init__(self, *args, kind: str = "modify", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind != "delete":
            for field in (self.title, self.body):
                if not (field.data or "").strip():
                    field.errors.append(_l("This field is required."))
                    ok = False
        return ok
