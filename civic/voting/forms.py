"""Ballot settings, ballot building and city-project forms: shapes, types and ranges only."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from civic.core.text import one_line
from civic.processes.models import Edition
from civic.voting.ballot import CityProjectInput
from civic.voting.ballot_rules import (
    COUNTING_RULES,
    MAX_CHOICES,
    MAX_POINTS,
    BallotFormat,
    BallotScope,
    DistrictsPerVoter,
    Settings,
)
from civic.voting.labels import DISTRICTS_LABELS, FORMAT_LABELS, RULE_LABELS, SCOPE_LABELS
from civic.web.forms import AmountField

NUMBER_MESSAGE = _l("Type a whole number, for example 3.")
TOO_BIG = _l("This number is too large.")


class WholeNumberField(IntegerField):
    """A whole number typed in a form; anything else ("abc", "2.5") is an error on the field."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            raw = str(valuelist[0]).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
            if not raw.lstrip("-").isdigit() or len(raw) > 12:
                raise ValueError(
                    str(NUMBER_MESSAGE) if len(raw) <= 12 or not raw.lstrip("-").isdigit() else str(TOO_BIG)
                )
            self.data = int(raw)


def _number(label: Any, low: int, high: int, description: Any = None) -> IntegerField:
    return WholeNumberField(
        label,
        validators=[Optional(), NumberRange(min=low, max=high)],
        description=description,
        render_kw={"inputmode": "numeric"},
    )


class BallotSettingsForm(FlaskForm):
    ballot_format = RadioField(
        _l("Ballot format"),
        choices=[SelectChoice(f.value, label) for f, label in FORMAT_LABELS.items()],
        validators=[InputRequired()],
        default=BallotFormat.APPROVAL.value,
    )
    min_choices = _number(_l("Limited approval: least number of projects"), 1, MAX_CHOICES)
    max_choices = _number(_l("Limited approval: most number of projects"), 1, MAX_CHOICES)
    min_spend_percent = _number(
        _l("Basket: least share of the envelope to spend, in % (optional)"),
        0,
        100,
        _l("Leave empty for no minimum."),
    )
    total_points = _number(_l("Points: points of the whole ballot"), 1, MAX_POINTS)
    max_points_per_project = _number(_l("Points: most points on one project"), 1, MAX_POINTS)
    ranking_length = _number(_l("Ranking: most projects ranked"), 1, MAX_CHOICES)
    counting_rule = RadioField(
        _l("Counting rule"),
        choices=[SelectChoice(name, RULE_LABELS[name]) for name in COUNTING_RULES],
        validators=[InputRequired()],
        default=COUNTING_RULES[0],
    )
    scope = RadioField(
        _l("Ballots"),
        choices=[SelectChoice(s.value, label) for s, label in SCOPE_LABELS.items()],
        validators=[InputRequired()],
        default=BallotScope.PER_DISTRICT.value,
    )
    districts_per_voter = RadioField(
        _l("With one ballot per district, a person votes"),
        choices=[SelectChoice(d.value, label) for d, label in DISTRICTS_LABELS.items()],
        validators=[InputRequired()],
        default=DistrictsPerVoter.OWN.value,
    )

    revote = BooleanField(
        _l("A person who voted online may vote online again: only their last ballot counts"),
        description=_l(
            "Protects against pressure: whoever watched someone vote cannot know it was their last vote."
        ),
    )
    paper_cancels_online = BooleanField(
        _l("Voting in person replaces an online ballot cast earlier"),
        description=_l(
            "Until the close, a person who voted online may still vote at the town hall or on paper."
        ),
    )

    def fill_from(self, settings: Settings) -> None:
        """Show saved settings."""
        for key, value in settings.__dict__.items():
            self[key].data = value.value if hasattr(value, "value") else value

    def to_settings(self) -> Settings:
        """Return the validated settings for the service."""
        return Settings(
            ballot_format=BallotFormat(self.ballot_format.data),
            counting_rule=self.counting_rule.data,
            scope=BallotScope(self.scope.data),
            districts_per_voter=DistrictsPerVoter(self.districts_per_voter.data),
            min_choices=self.min_choices.data,
            max_choices=self.max_choices.data,
            min_spend_percent=self.min_spend_percent.data,
            total_points=self.total_points.data,
            max_points_per_project=self.max_points_per_project.data,
            ranking_length=self.ranking_length.data,
            revote=bool(self.revote.data),
            paper_cancels_online=bool(self.paper_cancels_online.data),
        )


class BuildForm(FlaskForm):
    """The chosen proposals travel as ``proposal`` checkboxes (read by the view); only CSRF lives here."""


class CityProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)], filters=[one_line])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(min=10, max=500)],
        description=_l("Two or three sentences shown on the ballot."),
    )
    district_id = SelectField(
        _l("District"),
        coerce=lambda v: int(v) if v not in (None, "", "0", 0) else None,
        choices=[],
        validate_choice=True,
    )
    cost = AmountField(_l("Cost in euros"), validators=[InputRequired()])

    def fill_choices(self, edition: Edition) -> None:
        """Offer the edition's districts."""
        self.district_id.choices = [SelectChoice("", _l("Whole town"))] + [
            SelectChoice(d.district_id, d.district.name)  # type: ignore[arg-type]
            for d in sorted(edition.districts, key=lambda d: d.district.name)
        ]

    def to_input(self) -> CityProjectInput:
        return CityProjectInput(
            title=self.title.data,
            summary=self.summary.data,
            district_id=self.district_id.data,
            cost_cents=self.cost.data or 0,
        )


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (casting the ballots reviewed)."""
