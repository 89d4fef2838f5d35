from flask_babel import lazy_gettext as _l
from consult.forms import Form
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from consult.accounts.forms import options
from consult.i18n import LANGUAGE_NAMES
from consult.models import Stance


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=10_000)])
    locale = SelectField(_l("Written in"), choices=lambda: options(LANGUAGE_NAMES.items()))
    stance = RadioField(
        _l("Your position on this amendment"),
        choices=lambda: options([("", _l("No position"))] + Stance.choices()),
        default="",
        validate_choice=True,
    )
    round_id = HiddenField()
    article_id = HiddenField()
    amendment_id = HiddenField()
    parent_id = HiddenField()
    token = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Publish the comment"))


class CommentEditForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=10_000)])
    submit = SubmitField(_l("Save the change"))
