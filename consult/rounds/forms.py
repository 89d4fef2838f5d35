from datetime import UTC

from flask_babel import lazy_gettext as _l
from consult.forms import Form
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from consult.accounts.forms import options
from consult.models import Region


class RoundForm(Form):
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=200)])
    title_fr = StringField(_l("Title in French"), validators=[DataRequired(), Length(max=200)])
    title_es = StringField(_l("Title in Spanish"), validators=[DataRequired(), Length(max=200)])
    description_en = TextAreaField(_l("Description in English"), validators=[DataRequired(), Length(max=2000)])
    description_fr = TextAreaField(_l("Description in French"), validators=[DataRequired(), Length(max=2000)])
    description_es = TextAreaField(_l("Description in Spanish"), validators=[DataRequired(), Length(max=2000)])
    slug = StringField(_l("Short name in addresses"), validators=[
        DataRequired(), Length(max=80), Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use lower-case letters, digits and hyphens."))])
    version_id = SelectField(_l("Version consulted on"), coerce=int)
    region = SelectField(_l("Region"), choices=lambda: options(Region.choices()))
    opens_at = DateTimeLocalField(_l("Opens (UTC)"), validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Closes (UTC)"), validators=[DataRequired()])
    allows_amendments = BooleanField(_l("Takes amendments"), default=True)
    allows_comments = BooleanField(_l("Takes comments"), default=True)
    allows_supports = BooleanField(_l("Takes supports"), default=True)
    restricted_to_region = BooleanField(_l("Only organisations of its region take part"))
    requires_verified_organisation = BooleanField(_l("Amendments need an organisation verified by the secretariat"))

    def utc(self, field):
        """The form's times are UTC (and say so); make them aware."""
        return field.data.replace(tzinfo=UTC)


class CloseRoundForm(Form):
    reason = TextAreaField(_l("Reason, shown in the audit log"), validators=[DataRequired(), Length(max=2000)])


class ExtendRoundForm(Form):
    closes_at = DateTimeLocalField(_l("New closing date (UTC)"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason, shown in the audit log"), validators=[DataRequired(), Length(max=2000)])
