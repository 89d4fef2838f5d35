"""What every feature's forms share."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that changes something: it carries only its CSRF token."""
