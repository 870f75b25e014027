"""Input shapes of the commons pages. Amounts are typed in euros in the reader's language and held in cents."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from civic.commons.labels import LICENCES, SKILL_LEVELS
from civic.web.forms import AmountField, DateRange

TEXT = 4000
LINE_ROWS = 4
NEED_ROWS = 4
MAX_ROWS = 12  # rows added one by one ("add a line"), up to this many of each
MAX_HOURS = 10_000  # a need of more than ten thousand hours is a typo
MAX_ITEMS = 10_000


def _licence_choices(kind: str) -> list[SelectChoice]:
    return [SelectChoice("", _l("not required")), *(SelectChoice(value, value) for value in LICENCES[kind])]


class KeyedForm(FlaskForm):
    """A form that posts once: its idempotency key makes a double click post a single journal."""

    key = HiddenField(validators=[Length(max=43)])  # a token of 22 characters; longer ones are forged
    # Several of these forms share a page (the round's desk): a prefix keeps their inputs' ids apart.
    PREFIX = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = secrets.token_urlsafe(16)


class CallForm(FlaskForm):
    title = StringField(_l("Title of the call"), validators=[DataRequired(), Length(max=200)])
    problem = TextAreaField(
        _l("The défi: what problem should the commons solve?"), validators=[DataRequired(), Length(max=TEXT)]
    )
    solution_traits = TextAreaField(
        _l("What an acceptable solution looks like (cost, externalities)"),
        validators=[Optional(), Length(max=TEXT)],
    )
    territory = TextAreaField(_l("Territory"), validators=[Optional(), Length(max=TEXT)])
    code_licence = SelectField(_l("Licence for code"), choices=_licence_choices("code"), default="EUPL-1.2")
    data_licence = SelectField(_l("Licence for data"), choices=_licence_choices("data"), default="ODbL-1.0")
    content_licence = SelectField(
        _l("Licence for content"), choices=_licence_choices("content"), default="CC-BY-SA-4.0"
    )
    hardware_licence = SelectField(
        _l("Licence for hardware"), choices=_licence_choices("hardware"), default=""
    )
    community_rules = TextAreaField(_l("Community rules"), validators=[Optional(), Length(max=TEXT)])
    governance_rules = TextAreaField(
        _l("Governance rules of the commons"), validators=[Optional(), Length(max=TEXT)]
    )
    themes = TextAreaField(
        _l("Themes"),
        validators=[Optional(), Length(max=TEXT)],
        description=_l(
            "Optional, one per line (for example “Cycling”, “Maps”): each project picks one, and members may "
            "delegate for one theme only."
        ),
    )
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(), DateRange()])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired(), DateRange()])
    member_project_cap = AmountField(
        _l("Most one member may give one project (€)"),
        validators=[Optional()],
        description=_l("Leave empty for no limit."),
    )

    allows_delegation = BooleanField(
        _l("Members may delegate their allocation to other members"), default=True
    )
    delegate_cap = AmountField(
        _l("Most one delegate may hold from others (€)"),
        validators=[Optional()],
        description=_l("Leave empty for no limit."),
    )
    match_percent = IntegerField(
        _l("Matching funds: % added to each contribution"),
        validators=[Optional(), NumberRange(min=1, max=300)],
        description=_l("For example 100 doubles each contribution. Leave empty for no matching."),
    )
    match_contribution_cap = AmountField(_l("Most matched per contribution (€)"), validators=[Optional()])
    match_member_cap = AmountField(_l("Most matched per member (€)"), validators=[Optional()])
    match_project_cap = AmountField(_l("Most matched per project (€)"), validators=[Optional()])

    def validate_member_project_cap(self, field: AmountField) -> None:
        if field.data is not None and field.data <= 0:
            raise ValueError(_l("Give an amount above zero, or leave it empty."))

    validate_delegate_cap = validate_member_project_cap
    validate_match_contribution_cap = validate_member_project_cap
    validate_match_member_cap = validate_member_project_cap
    validate_match_project_cap = validate_member_project_cap


class LineForm(Form):
    label = StringField(_l("What it pays for"), validators=[Optional(), Length(max=200)])
    minimum = AmountField(_l("At least (€)"), validators=[Optional()])
    maximum = AmountField(_l("At most (€)"), validators=[Optional()])


class NeedForm(Form):
    label = StringField(_l("What is needed"), validators=[Optional(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("time", _l("hours of time or a skill")),
            SelectChoice("items", _l("items (a venue, a loan…)")),
        ],
    )
    quantity = IntegerField(
        _l("How many (hours or items)"), validators=[Optional(), NumberRange(min=1, max=MAX_HOURS)]
    )
    skill_level = SelectField(
        _l("Skill level (for time)"),
        choices=[SelectChoice(str(level), label) for level, label in SKILL_LEVELS.items()],
        default="1",
    )


class ProjectForm(KeyedForm):
    title = StringField(_l("Name of the project"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("In a few lines"), validators=[DataRequired(), Length(max=TEXT)])
    team = TextAreaField(_l("Team"), validators=[Optional(), Length(max=TEXT)])
    ways_of_acting = TextAreaField(_l("How you will act"), validators=[Optional(), Length(max=TEXT)])
    partners = TextAreaField(_l("Partners"), validators=[Optional(), Length(max=TEXT)])
    governance = TextAreaField(_l("Governance"), validators=[Optional(), Length(max=TEXT)])
    commons_rules = TextAreaField(_l("Rules of the commons"), validators=[Optional(), Length(max=TEXT)])
    citizen_involvement = TextAreaField(
        _l("How residents take part"), validators=[Optional(), Length(max=TEXT)]
    )
    animation = TextAreaField(_l("Community animation"), validators=[Optional(), Length(max=TEXT)])
    # Choices are the call's themes (set per page); shown only when the call has some.
    theme = SelectField(_l("Theme"), choices=[], validate_choice=False, default="")
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=MAX_ROWS)
    needs = FieldList(FormField(NeedForm), min_entries=NEED_ROWS, max_entries=MAX_ROWS)

    def add_row(self, name: str) -> bool:
        """Add an empty budget line or need row (the \"add a line\" button); False when the list is full."""
        rows = self.lines if name == "lines" else self.needs
        if len(rows) >= MAX_ROWS:
            return False
        rows.append_entry()
        return True

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for row in self.lines:
            line = row.form
            filled = line.label.data or line.minimum.data is not None or line.maximum.data is not None
            if not filled:
                continue
            if not (line.label.data or "").strip():
                line.label.errors = [*line.label.errors, _l("Say what this line pays for.")]
                valid = False
            if line.maximum.data is None or line.maximum.data <= 0:
                line.maximum.errors = [*line.maximum.errors, _l("Give the most this line needs, above zero.")]
                valid = False
            elif (line.minimum.data or 0) > line.maximum.data:
                line.minimum.errors = [*line.minimum.errors, _l("The minimum cannot be above the maximum.")]
                valid = False
        for row in self.needs:
            need = row.form
            if not (need.label.data or "").strip() and need.quantity.data is None:
                continue
            if not (need.label.data or "").strip():
                need.label.errors = [*need.label.errors, _l("Say what is needed.")]
                valid = False
            if need.quantity.data is None:
                need.quantity.errors = [*need.quantity.errors, _l("Say how many hours or items.")]
                valid = False
        return valid


class ContributeForm(KeyedForm):
    amount = AmountField(_l("Amount (€)"), validators=[InputRequired()])
    # "" gives from your own allocation; a delegation's id, from what was delegated to you (choices set per page).
    source = SelectField(_l("Give from"), choices=[], validate_choice=False, default="")


class DelegateForm(KeyedForm):
    delegate = SelectField(
        _l("To the member"), choices=[], validate_choice=False, validators=[DataRequired()]
    )
    amount = AmountField(_l("Amount (€)"), validators=[InputRequired()])
    source = SelectField(_l("From"), choices=[], validate_choice=False, default="")
    # "" the whole round, a project's id, or "theme-<n>" for the n-th of the call's themes (choices per page).
    project = SelectField(_l("For"), choices=[], validate_choice=False, default="")


class PledgeForm(KeyedForm):
    quantity = IntegerField(
        _l("How many (hours or items)"), validators=[InputRequired(), NumberRange(min=1, max=MAX_HOURS)]
    )


class DeliverForm(FlaskForm):
    quantity = IntegerField(
        _l("Delivered (hours or items)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_HOURS)],
        description=_l("Leave empty if everything pledged was delivered."),
    )


class FundForm(KeyedForm):
    PREFIX = "fund"
    amount = AmountField(_l("Amount received (€)"), validators=[InputRequired()])
    target = SelectField(
        _l("Into"),
        choices=[
            SelectChoice("pool", _l("the round's pool")),
            SelectChoice("matching", _l("the matching pool")),
        ],
        default="pool",
    )
    funder_name = StringField(_l("Funder shown publicly"), validators=[Optional(), Length(max=200)])
    anonymous = BooleanField(_l("Anonymous: show no name"))

    def validate_funder_name(self, field: StringField) -> None:
        if not self.anonymous.data and not (field.data or "").strip():
            raise ValueError(_l("Give the funder's name, or tick anonymous."))


class AllocateForm(KeyedForm):
    PREFIX = "one"
    email = EmailField(_l("Member's e-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    amount = AmountField(_l("Amount (€)"), validators=[InputRequired()])


class AllocateEvenlyForm(KeyedForm):
    PREFIX = "evenly"
    amount = AmountField(_l("Amount for each member (€)"), validators=[InputRequired()])


class AllocateCsvForm(KeyedForm):
    PREFIX = "csv"
    file = FileField(
        _l("CSV file"),
        validators=[DataRequired()],
        description=_l(
            "One line per member: e-mail address; amount in euros (for example: anne@example.org;50)."
        ),
    )


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""


class CampaignForm(FlaskForm):
    target = AmountField(_l("Target (€)"), validators=[InputRequired()])
    closes_on = DateField(
        _l("Deadline"),
        validators=[InputRequired(), DateRange()],
        description=_l(
            "20 to 90 days from today. All or nothing: if the target is missed, every backer is refunded."
        ),
    )


class BackingForm(KeyedForm):
    PREFIX = "backing"
    amount = AmountField(_l("Payment received (€)"), validators=[InputRequired()])
    backer = StringField(
        _l("Backer shown publicly"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty for an anonymous backer."),
    )


class PreselectForm(FlaskForm):
    seed = AmountField(
        _l("Seed funding from the pool (€)"),
        validators=[Optional()],
        description=_l("Leave empty to pre-select without seed money."),
    )
