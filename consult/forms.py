"""What every feature's forms share."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import ValidationError

from consult.text.normalise import control_characters, without_control_characters


class Form(FlaskForm):
    """The base of every form. Text fields refuse control characters with a message beside the
    field; the text comes back without them, so nothing else the person typed is lost.
    (Line ends and Unicode form are normalised for every request in `web.NormalisingRequest`.)"""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            if not isinstance(field, StringField) or isinstance(field, PasswordField) or not field.data:
                continue
            codes = control_characters(field.data)
            if codes:
                field.errors = [*field.errors, _l(
                    "This text held invisible control characters (%(codes)s). They have been removed; "
                    "please check the text and send it again.", codes=", ".join(codes))]
                field.data = without_control_characters(field.data)
                ok = False
        return ok


class Legible:
    """A name must show at least one letter or digit: one of spaces and invisible characters
    (zero-width spaces, byte order marks) would let someone pass as nobody."""

    def __call__(self, form, field):
        if field.data and not any(char.isalnum() for char in field.data):
            raise ValidationError(_l("Write at least one letter or digit."))


class ConfirmForm(Form):
    """A button that changes something: it carries only its CSRF token."""
