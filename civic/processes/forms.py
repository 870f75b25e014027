"""Edition forms and labels: shapes and lengths; business rules live in services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from civic.processes.models import District, Edition, EditionMode
from civic.processes.phases import PHASE_ORDER, Action, PhaseKind
from civic.processes.services import THEME_MAX_LENGTH, DistrictShare, EditionData, PhaseDates
from civic.web.forms import AmountField, DateRange

PHASE_LABELS = {
    PhaseKind.SUBMISSION: _l("Submission of projects"),
    PhaseKind.PRESELECTION: _l("Pre-selection"),
    PhaseKind.ANALYSIS: _l("Technical analysis"),
    PhaseKind.VOTE: _l("Vote"),
    PhaseKind.RESULTS: _l("Results"),
    PhaseKind.REALISATION: _l("Realisation"),
}
PHASE_DESCRIPTIONS = {
    PhaseKind.SUBMISSION: _l("Residents propose projects, online or at the town hall."),
    PhaseKind.PRESELECTION: _l("Residents support the projects they want to see on the ballot."),
    PhaseKind.ANALYSIS: _l(
        "Municipal services check each project's feasibility and cost, and explain every refusal."
    ),
    PhaseKind.VOTE: _l("Residents vote, online or at the town hall: one ballot per person."),
    PhaseKind.RESULTS: _l("The winning projects are announced, with how they were counted."),
    PhaseKind.REALISATION: _l("The city carries out the winning projects and reports on their progress."),
}
MODE_LABELS = {
    EditionMode.RESIDENTS_SUBMIT: _l("Residents submit projects"),
    EditionMode.CITY_LIST: _l("The city proposes a list of projects; residents vote"),
}
ACTION_SENTENCES = {
    Action.SUBMIT_PROPOSAL: _l("Submit a project, online or at the town hall."),
    Action.EDIT_PROPOSAL: _l("Complete or correct the projects you submitted."),
    Action.WITHDRAW_PROPOSAL: _l("Withdraw a project you submitted."),
    Action.COMMENT: _l("Comment on the projects."),
    Action.SUPPORT: _l("Support the projects you would like to see on the ballot."),
    Action.ANALYSE: _l("Municipal services are studying the projects."),
    Action.VOTE: _l("Vote for the projects you prefer, online or at the town hall."),
    Action.SEE_RESULTS: _l("See the results of the vote."),
    Action.FOLLOW_REALISATION: _l("Follow the realisation of the winning projects."),
}
MAX_THEMES = 50
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def town_zone() -> ZoneInfo:
    """Return the town's time zone, in which staff type dates and residents read them."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def more_than_zero(form: FlaskForm, field: AmountField) -> None:
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("The amount must be more than zero."))


class EditionForm(FlaskForm):
    """General and money settings; ``edition_form`` adds districts, themes and the calendar."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("For example “Budget participatif 2026”. It also gives the page its address."),
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    mode = RadioField(
        _l("Who proposes the projects?"),
        choices=[SelectChoice(mode.value, label) for mode, label in MODE_LABELS.items()],
        default=EditionMode.RESIDENTS_SUBMIT.value,
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=20_000)],
        description=_l("Markdown: **bold**, *italics*, lists, [links](https://example.org)."),
    )
    rules_text = TextAreaField(
        _l("Rules"),
        validators=[Length(max=50_000)],
        description=_l("The rules of each phase, published with the calendar. Markdown."),
    )
    published = BooleanField(_l("Published: everyone can see this edition"))
    envelope = AmountField(
        _l("Envelope (€)"),
        validators=[InputRequired()],
        description=_l("In euros, for example 100 000 or 100 000,50."),
    )
    population = IntegerField(
        _l("Town population"),
        validators=[Optional(), NumberRange(min=1, max=100_000_000)],
        description=_l("Used to show the envelope per inhabitant."),
    )
    investment_budget = AmountField(
        _l("Town investment budget (€)"),
        validators=[Optional(), more_than_zero],
        description=_l("Used to show the envelope as a share of the investment budget."),
    )

    contact_retention_months = IntegerField(
        _l("Keep front-desk contacts for (months)"),
        validators=[Optional(), NumberRange(min=0, max=120)],
        default=6,
        description=_l(
            "Names and contacts of residents who submitted at the town hall are deleted this many months "
            "after the last phase ends (GDPR)."
        ),
    )

    district_rows: list[tuple[District, BooleanField, AmountField]]
    phase_rows: list[tuple[PhaseKind, DateTimeLocalField, DateTimeLocalField]]

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for _district, takes_part, envelope in self.district_rows:
            if envelope.data is not None and not takes_part.data:
                envelope.errors.append(_("Tick “takes part” to give this district an envelope."))
                valid = False
        for _kind, starts_at, ends_at in self.phase_rows:
            given = {starts_at.data is not None, ends_at.data is not None}
            if given == {True, False} and not (starts_at.errors or ends_at.errors):
                missing = ends_at if starts_at.data is not None else starts_at
                missing.errors.append(_("Give both the start and the end of the phase, or neither."))
                valid = False
        lines = [line for line in (self.themes.data or "").splitlines() if line.strip()]
        if any(len(line.strip()) > THEME_MAX_LENGTH for line in lines):
            self.themes.errors.append(_("Each theme must fit in %(max)d characters.", max=THEME_MAX_LENGTH))
            valid = False
        if len(lines) > MAX_THEMES:
            self.themes.errors.append(_("Give at most %(max)d themes.", max=MAX_THEMES))
            valid = False
        return valid

    def to_data(self) -> EditionData:
        """Return the submitted edition for the services."""
        return EditionData(
            name=self.name.data or "",
            year=self.year.data or 0,
            description=self.description.data or "",
            rules_text=self.rules_text.data or "",
            envelope_cents=self.envelope.data or 0,
            population=self.population.data,
            investment_budget_cents=self.investment_budget.data,
            mode=EditionMode(self.mode.data),
            published=bool(self.published.data),
            contact_retention_months=self.contact_retention_months.data
            if self.contact_retention_months.data is not None
            else 6,
            districts=tuple(
                DistrictShare(district.id, envelope.data)
                for district, takes_part, envelope in self.district_rows
                if takes_part.data
            ),
            themes=tuple((self.themes.data or "").splitlines()),
            calendar={
                kind: PhaseDates(starts_at.data, ends_at.data)
                for kind, starts_at, ends_at in self.phase_rows
                if starts_at.data is not None and ends_at.data is not None
            },
        )

    def add_problems(self, problems: Mapping[str, list[Any]]) -> None:
        """Show the services' refusals beside the inputs they concern."""
        for key, messages in problems.items():
            target = self._field_for(key)
            # str(): a lazy string is output unescaped by Jinja, and these messages may quote names.
            target.errors.extend(str(message) for message in messages)

    def _field_for(self, key: str) -> Any:
        if key == "districts":
            with_amount = [envelope for _d, _t, envelope in self.district_rows if envelope.data is not None]
            boxes = [takes_part for _d, takes_part, _e in self.district_rows]
            return (with_amount or boxes or [self.envelope])[0]
        name = key.removeprefix("calendar.").replace(".", "_")
        return self._fields.get(name) or self.name


def edition_form(districts: Sequence[District], **kwargs: Any) -> EditionForm:
    """Build the edition form with a row per town district and a start/end pair per phase."""

    class _EditionForm(EditionForm):
        pass

    for district in districts:
        # Plain gettext, not lazy: the label quotes a name, and Jinja outputs lazy strings unescaped.
        setattr(
            _EditionForm,
            f"district_{district.id}",
            BooleanField(_("%(district)s takes part", district=district.name)),
        )
        setattr(
            _EditionForm,
            f"district_{district.id}_envelope",
            AmountField(
                _("Sub-envelope of %(district)s (€, optional)", district=district.name),
                validators=[Optional()],
            ),
        )
    _EditionForm.themes = TextAreaField(
        _l("Themes"), description=_l("One theme per line, for example “Nature in the city”.")
    )
    for kind in PHASE_ORDER:
        labels = {
            "starts_at": _l("%(phase)s: start", phase=PHASE_LABELS[kind]),
            "ends_at": _l("%(phase)s: end", phase=PHASE_LABELS[kind]),
        }
        for end, label in labels.items():
            field = DateTimeLocalField(
                label, validators=[Optional(), DateRange()], format=DATETIME_LOCAL_FORMATS, tz=town_zone
            )
            setattr(_EditionForm, f"{kind.value}_{end}", field)

    form = _EditionForm(**kwargs)
    for field in form:
        # An unset flag reads as None, which would render as required="None" (i.e. required).
        field.flags.required = bool(field.flags.required)
    form.district_rows = [
        (district, form[f"district_{district.id}"], form[f"district_{district.id}_envelope"])
        for district in districts
    ]
    form.phase_rows = [
        (kind, form[f"{kind.value}_starts_at"], form[f"{kind.value}_ends_at"]) for kind in PHASE_ORDER
    ]
    return form


def edition_form_data(edition: Edition) -> dict[str, Any]:
    """Return an edition's current settings as the form's initial data."""
    data: dict[str, Any] = {
        "name": edition.name,
        "year": edition.year,
        "mode": edition.mode.value,
        "description": edition.description,
        "rules_text": edition.rules_text,
        "published": edition.published,
        "contact_retention_months": edition.contact_retention_months,
        "envelope": edition.envelope_cents,
        "population": edition.population,
        "investment_budget": edition.investment_budget_cents,
        "themes": "\n".join(theme.name for theme in edition.themes),
    }
    for row in edition.districts:
        data[f"district_{row.district_id}"] = True
        data[f"district_{row.district_id}_envelope"] = row.envelope_cents
    for phase in edition.phases:
        data[f"{phase.kind.value}_starts_at"] = _aware_utc(phase.starts_at)
        data[f"{phase.kind.value}_ends_at"] = _aware_utc(phase.ends_at)
    return data


def _aware_utc(value: datetime) -> datetime:
    # The field shows aware values in town time; the database holds naive UTC.
    return value.replace(tzinfo=UTC)
