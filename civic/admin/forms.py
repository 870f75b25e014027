"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired

from civic.accounts.roles import Role

ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.FRONT_DESK: _l("Front desk"),
    Role.ANALYST: _l("Analyst"),
    Role.MODERATOR: _l("Moderator"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.ORGANISER: _l("Community organiser"),
    Role.FUNDER: _l("Funder"),
    Role.ADMIN: _l("Administrator"),
}


class RoleChangeForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    action = HiddenField(validators=[DataRequired(), AnyOf(["grant", "revoke"])])
