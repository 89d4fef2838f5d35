"""The secretariat's announcement: to whom, and what, in English, French and Spanish."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from consult.accounts.forms import options
from consult.forms import Form, Legible
from consult.models import Region
from consult.notifications.announcements import AUDIENCE_LABELS, AudienceKind

SUBJECT_MAX = 200
BODY_MAX = 20_000
_ROUND_AUDIENCES = (AudienceKind.participants, AudienceKind.eligible)


def _blank_or_int(value):
    return int(value) if value not in (None, "") else None


class AnnouncementForm(Form):
    audience = RadioField(_l("Who receives it"), default=AudienceKind.everyone.value,
                          choices=lambda: options((kind.value, label) for kind, label in AUDIENCE_LABELS.items()))
    round_id = SelectField(_l("Round"), coerce=_blank_or_int, validate_choice=True)  # choices set by the view
    region = SelectField(_l("Region"), choices=lambda: options([("", _l("Choose a region")),
                                                  *((r.value, r.label) for r in Region.of_organisations())]))

    subject_en = StringField(_l("Subject in English"), validators=[Length(max=SUBJECT_MAX), Legible()])
    body_en = TextAreaField(_l("Message in English"), validators=[Length(max=BODY_MAX)], render_kw={"rows": 10})
    subject_fr = StringField(_l("Subject in French"), validators=[Optional(), Length(max=SUBJECT_MAX), Legible()])
    body_fr = TextAreaField(_l("Message in French"), validators=[Optional(), Length(max=BODY_MAX)],
                            render_kw={"rows": 10})
    subject_es = StringField(_l("Subject in Spanish"), validators=[Optional(), Length(max=SUBJECT_MAX), Legible()])
    body_es = TextAreaField(_l("Message in Spanish"), validators=[Optional(), Length(max=BODY_MAX)],
                            render_kw={"rows": 10})

    def validate_round_id(self, field):
        if self.audience.data in _ROUND_AUDIENCES and field.data is None:
            raise ValidationError(_l("Choose the round whose people should receive it."))

    def validate_region(self, field):
        if self.audience.data == AudienceKind.region and not field.data:
            raise ValidationError(_l("Choose the region whose people should receive it."))

    def validate_subject_en(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Write the subject in English: it is the version everyone can receive."))

    def validate_body_en(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Write the message in English: it is the version everyone can receive."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for locale in ("fr", "es"):  # a language is written in full or left empty
            subject, body = self[f"subject_{locale}"], self[f"body_{locale}"]
            has_subject, has_body = bool((subject.data or "").strip()), bool((body.data or "").strip())
            if has_subject and not has_body:
                body.errors = [*body.errors, _l("Write the message too, or leave the subject empty to send "
                                                "the English version to the people of this language.")]
                ok = False
            elif has_body and not has_subject:
                subject.errors = [*subject.errors, _l("Write the subject too, or leave the message empty to send "
                                                      "the English version to the people of this language.")]
                ok = False
        return ok
