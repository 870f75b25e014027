"""Analysis forms: shapes and lengths only (the services check the rules)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from civic.analysis.labels import REASON_LABELS, VERDICT_LABELS
from civic.analysis.models import MAX_DURATION_MONTHS, MAX_REPLY_DAYS
from civic.analysis.rules import ReasonCode, ReviewState, Verdict
from civic.analysis.services import ReviewInput
from civic.web.forms import AmountField, DateRange


def _optional_id(value: Any) -> int | None:
    raw = str(value or "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _verdict(value: Any) -> Verdict | None:
    return Verdict(value) if value else None


def _reason(value: Any) -> ReasonCode | None:
    return ReasonCode(value) if value else None


class ReviewForm(FlaskForm):
    verdict = RadioField(
        _l("Verdict"),
        choices=[SelectChoice(v.value, label) for v, label in VERDICT_LABELS.items()],
        validators=[Optional()],
        coerce=_verdict,
    )
    reason_code = SelectField(
        _l("Reason, when not feasible"),
        choices=[SelectChoice("", _l("—"))]
        + [SelectChoice(r.value, label) for r, label in REASON_LABELS.items()],
        validators=[Optional()],
        coerce=_reason,
    )
    public_explanation = TextAreaField(
        _l("Public explanation of the verdict"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Published with the verdict; required when the proposal is not feasible."),
        render_kw={"rows": 4},
    )
    cost_low = AmountField(_l("Minimum cost in euros"), validators=[Optional()])
    cost_estimate = AmountField(
        _l("Estimated cost in euros"),
        validators=[Optional()],
        description=_l("The ballot uses this amount; the range is shown beside it."),
    )
    cost_high = AmountField(_l("Maximum cost in euros"), validators=[Optional()])
    first_year_cost = AmountField(_l("First-year cost in euros"), validators=[Optional()])
    running_cost = AmountField(_l("Yearly running cost in euros"), validators=[Optional()])
    duration_months = IntegerField(
        _l("Duration of the works, in months"),
        validators=[Optional(), NumberRange(min=0, max=MAX_DURATION_MONTHS)],
    )
    cost_explanation = TextAreaField(
        _l("Public explanation of the cost"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}
    )
    proposed_changes = TextAreaField(
        _l("Proposed changes"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required for “feasible with changes”: the holders are asked to accept them."),
        render_kw={"rows": 3},
    )

    def validate_cost_high(self, field: AmountField) -> None:
        low, estimate, high = self.cost_low.data, self.cost_estimate.data, field.data
        if high is not None and max(v for v in (low, estimate, high) if v is not None) > high:
            raise ValidationError(_l("The maximum cannot be below the estimate or the minimum."))

    def validate_cost_low(self, field: AmountField) -> None:
        if (
            field.data is not None
            and self.cost_estimate.data is not None
            and field.data > self.cost_estimate.data
        ):
            raise ValidationError(_l("The minimum cannot be above the estimate."))

    def fill_from(self, review: Any) -> None:
        if self.is_submitted():
            return
        self.verdict.data = review.verdict
        self.reason_code.data = review.reason_code
        self.public_explanation.data = review.public_explanation
        self.cost_low.data = review.cost_low_cents
        self.cost_estimate.data = review.cost_estimate_cents
        self.cost_high.data = review.cost_high_cents
        self.first_year_cost.data = review.first_year_cost_cents
        self.running_cost.data = review.running_cost_cents
        self.duration_months.data = review.duration_months
        self.cost_explanation.data = review.cost_explanation
        self.proposed_changes.data = review.proposed_changes

    def to_input(self) -> ReviewInput:
        return ReviewInput(
            verdict=self.verdict.data,
            reason_code=self.reason_code.data,
            public_explanation=self.public_explanation.data or "",
            cost_low_cents=self.cost_low.data,
            cost_estimate_cents=self.cost_estimate.data,
            cost_high_cents=self.cost_high.data,
            first_year_cost_cents=self.first_year_cost.data,
            running_cost_cents=self.running_cost.data,
            duration_months=self.duration_months.data,
            cost_explanation=self.cost_explanation.data or "",
            proposed_changes=self.proposed_changes.data or "",
        )


class AssignForm(FlaskForm):
    # The view looks the chosen service up (an unknown id is "no service"): no choice check here.
    service_id = SelectField(_l("Municipal service"), coerce=_optional_id, choices=[], validate_choice=False)
    analyst_ids = SelectMultipleField(
        _l("Analysts"),
        coerce=int,
        choices=[],
        validators=[DataRequired()],
        description=_l("One or more: hold Ctrl (⌘ on a Mac) to choose several."),
    )
    due_on = DateField(_l("Due date"), validators=[Optional(), DateRange()])


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Private note (staff only)"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Never public, never shown to the holders, never exported."),
        render_kw={"rows": 3},
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your answer"),
        validators=[Optional(), Length(max=5000)],
        description=_l(
            "Shown to the town's staff now, and publicly beside the verdict once it is published."
        ),
        render_kw={"rows": 4},
    )
    accepts_changes = BooleanField(_l("We accept the proposed changes"))


class ServiceForm(FlaskForm):
    name = StringField(_l("Name of the service"), validators=[DataRequired(), Length(max=120)])


class SettingsForm(FlaskForm):
    reply_days = IntegerField(
        _l("Days the holders have to answer a draft verdict"),
        validators=[DataRequired(), NumberRange(min=1, max=MAX_REPLY_DAYS)],
    )


class SendBackForm(FlaskForm):
    reason = TextAreaField(
        _l("What should be looked at again (staff only)"), validators=[Optional(), Length(max=500)]
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token matters."""


class PublishForm(FlaskForm):
    confirmed = HiddenField()


class StatusForm(FlaskForm):
    # Not a SelectField: a status posted by hand reaches the service, which refuses a forbidden move (409).
    status = StringField(_l("New status"), validators=[DataRequired(), Length(max=30)])
    public_reason = TextAreaField(
        _l("Public reason"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Shown on the proposal's timeline; required for a status that is not retained."),
        render_kw={"rows": 3},
    )


class MergeForm(FlaskForm):
    target_id = SelectField(_l("Merge into"), coerce=_optional_id, choices=[], validate_choice=False)
    reason = TextAreaField(
        _l("Public reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Shown on both proposals' timelines."),
        render_kw={"rows": 3},
    )
    confirmed = HiddenField()


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), choices=[], validators=[Optional()], validate_choice=False)
    district_id = SelectField(_l("District"), choices=[], validators=[Optional()], validate_choice=False)
    due = SelectField(
        _l("Due"),
        choices=[
            SelectChoice("", _l("Any time")),
            SelectChoice("overdue", _l("Overdue")),
            SelectChoice("week", _l("Within 7 days")),
        ],
        validators=[Optional()],
        validate_choice=False,
    )

    def selected_state(self) -> ReviewState | None:
        try:
            return ReviewState(self.state.data) if self.state.data else None
        except ValueError:
            return None

    def selected_district(self) -> int | None:
        raw = str(self.district_id.data or "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None
