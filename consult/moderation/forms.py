from flask_babel import lazy_gettext as _l
from consult.forms import Form
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consult.accounts.forms import options
from consult.i18n import LANGUAGE_NAMES
from consult.models import AmendmentStatus
from consult.moderation.services import ANSWERS


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ReportForm(Form):
    reason = TextAreaField(_l("What is wrong with it?"), validators=[DataRequired(), Length(max=2000)])


class AnswerForm(Form):
    status = RadioField(_l("Answer"), choices=lambda: options((s.value, s.label) for s in ANSWERS),
                        validators=[DataRequired()])
    answer = TextAreaField(_l("Public answer"), validators=[Optional(), Length(max=10_000)])
    # A number, not a list of the article's amendments: the list made a 5,000-amendment triage weigh 41 MB.
    duplicate_of = IntegerField(_l("Duplicate of amendment number"),
                                validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])

    # Which field a refusal of the answer service is about, so it is shown beside it.
    FIELD_OF_ERROR = {"bad_status": "status", "rejection_needs_reason": "answer", "duplicate_needs_original": "duplicate_of",
                      "duplicate_unknown": "duplicate_of", "duplicate_of_itself": "duplicate_of",
                      "duplicate_elsewhere": "duplicate_of", "withdrawn": "status"}

    # answer_version() of the amendment as the moderator saw it: a change meanwhile is a conflict
    seen = HiddenField()

    def status_value(self) -> AmendmentStatus:
        return AmendmentStatus(self.status.data)

    def refused(self, code: str, message: str) -> None:
        self[self.FIELD_OF_ERROR[code]].errors.append(message)


class RecordForm(Form):
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


class BulkAnswerForm(Form):
    """One answer for several amendments, in each one's language (English when its own is empty)."""
    status = RadioField(_l("Answer"), choices=lambda: options((s.value, s.label) for s in ANSWERS))
    duplicate_of = IntegerField(_l("Duplicate of amendment number"),
                                validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    answer_en = TextAreaField(_l("Public answer in English"), validators=[Optional(), Length(max=10_000)])
    answer_fr = TextAreaField(_l("Public answer in French"), validators=[Optional(), Length(max=10_000)])
    answer_es = TextAreaField(_l("Public answer in Spanish"), validators=[Optional(), Length(max=10_000)])
    saved = SelectField(_l("Saved answer"), coerce=int, validate_choice=False)

    def texts(self) -> dict[str, str]:
        return {locale: self[f"answer_{locale}"].data or "" for locale in ("en", "fr", "es")}


class GroupAnswerForm(Form):
    """An overlap group: one amendment accepted, the others its duplicates."""
    kept = RadioField(_l("The amendment to accept"), coerce=int, validators=[DataRequired()])
    accepted_en = TextAreaField(_l("Public answer in English"), validators=[Optional(), Length(max=10_000)])
    accepted_fr = TextAreaField(_l("Public answer in French"), validators=[Optional(), Length(max=10_000)])
    accepted_es = TextAreaField(_l("Public answer in Spanish"), validators=[Optional(), Length(max=10_000)])
    duplicate_en = TextAreaField(_l("Public answer in English"), validators=[DataRequired(), Length(max=10_000)])
    duplicate_fr = TextAreaField(_l("Public answer in French"), validators=[Optional(), Length(max=10_000)])
    duplicate_es = TextAreaField(_l("Public answer in Spanish"), validators=[Optional(), Length(max=10_000)])

    def texts(self, which: str) -> dict[str, str]:
        return {locale: self[f"{which}_{locale}"].data or "" for locale in ("en", "fr", "es")}


class SavedAnswerForm(Form):
    title = StringField(_l("Title (for the moderators)"), validators=[DataRequired(), Length(max=200)])
    text_en = TextAreaField(_l("Answer in English"), validators=[DataRequired(), Length(max=10_000)])
    text_fr = TextAreaField(_l("Answer in French"), validators=[Optional(), Length(max=10_000)])
    text_es = TextAreaField(_l("Answer in Spanish"), validators=[Optional(), Length(max=10_000)])
