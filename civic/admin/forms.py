"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from civic.accounts.roles import Role
from civic.processes.districts import DISTRICT_NAME_MAX_LENGTH, MAX_POPULATION, DistrictData
from civic.processes.services import THEME_MAX_LENGTH

ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.FRONT_DESK: _l("Front desk"),
    Role.ANALYST: _l("Analyst"),
    Role.ANALYSIS_MANAGER: _l("Analysis manager"),
    Role.MODERATOR: _l("Moderator"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.ORGANISER: _l("Community organiser"),
    Role.FUNDER: _l("Funder"),
    Role.ADMIN: _l("Administrator"),
}


class RoleChangeForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    action = HiddenField(validators=[DataRequired(), AnyOf(["grant", "revoke"])])


class DistrictForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=DISTRICT_NAME_MAX_LENGTH)])
    population = IntegerField(
        _l("Population"),
        validators=[Optional(), NumberRange(min=1, max=MAX_POPULATION)],
        description=_l("Inhabitants of the district, for per-district figures. Optional."),
    )

    def to_data(self) -> DistrictData:
        return DistrictData(name=self.name.data or "", population=self.population.data)


class ThemeForm(FlaskForm):
    name = StringField(_l("Name of the theme"), validators=[DataRequired(), Length(max=THEME_MAX_LENGTH)])


class ConfirmForm(FlaskForm):
    """A confirmation button: only its CSRF token matters."""
