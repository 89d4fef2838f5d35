from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from consult.accounts.forms import options
from consult.i18n import LANGUAGE_NAMES
from consult.models import AmendmentStatus
from consult.moderation.services import ANSWERS


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong with it?"), validators=[DataRequired(), Length(max=2000)])


class AnswerForm(FlaskForm):
    status = RadioField(_l("Answer"), choices=lambda: options((s.value, s.label) for s in ANSWERS),
                        validators=[DataRequired()])
    answer = TextAreaField(_l("Public answer"), validators=[Optional(), Length(max=10_000)])
    duplicate_of = SelectField(_l("Duplicate of"), coerce=int, validate_choice=False, validators=[Optional()])

    def status_value(self) -> AmendmentStatus:
        return AmendmentStatus(self.status.data)


class RecordForm(FlaskForm):
    organisation_id = SelectField(_l("On behalf of"), coerce=int)
    source = StringField(_l("Source"), validators=[DataRequired(), Length(max=300)])
    article_id = SelectField(_l("Article"), coerce=int)
    kind = RadioField(_l("Contribution"), choices=lambda: options([
        ("amendment", _l("An amendment: the new text of the article")), ("comment", _l("A comment on the article"))]),
        default="comment")
    locale = SelectField(_l("Language"), choices=lambda: options(LANGUAGE_NAMES.items()))
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20_000)])
    rationale = TextAreaField(_l("Rationale of the amendment"), validators=[Optional(), Length(max=10_000)])
    token = HiddenField()
