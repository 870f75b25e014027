"""Pre-selection forms: shapes, lengths and ranges only (the services check the rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from civic.preselection.days import SessionInput
from civic.preselection.rules import (
    BASIS_POINTS,
    HUNDREDTHS,
    SupportMode,
    ThresholdKind,
    TieRule,
    WithdrawalPolicy,
)
from civic.preselection.services import RuleInput, WalkIn
from civic.processes.models import Edition
from civic.web.forms import DateRange

THRESHOLD_LABELS = {
    ThresholdKind.NONE: _l("No threshold: every project in the running qualifies"),
    ThresholdKind.ABSOLUTE: _l("A number of supports"),
    ThresholdKind.POPULATION_SHARE: _l("A percentage of the district's population"),
    ThresholdKind.PARTICIPANT_SHARE: _l("A percentage of the district's participants"),
    ThresholdKind.TOP_N: _l("The N best supported projects"),
    ThresholdKind.ENVELOPE_MULTIPLE: _l("The best supported projects up to k × the district's envelope"),
}
WITHDRAWAL_LABELS = {
    WithdrawalPolicy.ALWAYS: _l("Always, while supports are open"),
    WithdrawalPolicy.UNTIL_THRESHOLD: _l("Until the project reaches the threshold"),
    WithdrawalPolicy.NEVER: _l("Never"),
}
TIE_LABELS = {
    TieRule.ALL_TIED: _l("All tied projects qualify"),
    TieRule.RANDOM_SEED: _l("A public random seed orders tied projects"),
    TieRule.CHEAPER_FIRST: _l("The cheaper project goes first"),
}
MODE_LABELS = {
    SupportMode.ONLINE: _l("Supports collected online and at the town hall"),
    SupportMode.PRESELECTION_DAY: _l("A citizens' pre-selection day instead"),
}


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


SHARE_KINDS = (ThresholdKind.POPULATION_SHARE, ThresholdKind.PARTICIPANT_SHARE)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class ConfirmForm(FlaskForm):
    """A form with its CSRF token only (support, withdraw, confirmations)."""


class RuleForm(FlaskForm):
    per_person_cap = IntegerField(
        _l("Supports per person"),
        validators=[DataRequired(_l("Give a number between 1 and 100.")), NumberRange(1, 100)],
        default=5,
    )
    max_districts = IntegerField(
        _l("Districts a person may support in"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(1, 100)],
    )
    eligible_only = BooleanField(_l("Only residents of a proposal's district may support it"), default=True)
    mode = RadioField(
        _l("How projects are pre-selected"),
        choices=_choices(MODE_LABELS),
        default=SupportMode.ONLINE.value,
    )
    threshold_kind = RadioField(
        _l("Threshold"), choices=_choices(THRESHOLD_LABELS), default=ThresholdKind.NONE.value
    )
    threshold = StringField(
        _l("Threshold value"),
        description=_l(
            "A number of supports, a percentage (for example 1,5), N, or k "
            "(for example 1,5 for one and a half times the envelope)."
        ),
        validators=[Optional(), Length(max=20)],
    )
    guaranteed_minimum = IntegerField(
        _l("Guaranteed minimum of qualified projects per district"),
        validators=[Optional(), NumberRange(0, 1000)],
        default=0,
    )
    withdrawal = RadioField(
        _l("A support can be withdrawn"),
        choices=_choices(WITHDRAWAL_LABELS),
        default=WithdrawalPolicy.ALWAYS.value,
    )
    tie_rule = RadioField(_l("Ties"), choices=_choices(TIE_LABELS), default=TieRule.ALL_TIED.value)
    random_seed = StringField(
        _l("Public random seed"),
        description=_l("Published before supports open, e.g. the draw of a public lottery."),
        validators=[Optional(), Length(max=120)],
    )

    def validate_threshold(self, field: StringField) -> None:
        raw = self.threshold_kind.data or ThresholdKind.NONE.value
        if raw not in {k.value for k in ThresholdKind}:
            return  # the threshold kind's own choice check reports the bad value
        kind = ThresholdKind(raw)
        if kind is ThresholdKind.NONE:
            return
        value = _decimal(field.data or "")
        if value is None or value <= 0:
            raise ValidationError(_l("Type a positive number, for example 15 or 1,5."))
        if kind in (ThresholdKind.ABSOLUTE, ThresholdKind.TOP_N) and value != value.to_integral_value():
            raise ValidationError(_l("Type a whole number."))
        if value > 1_000_000:
            raise ValidationError(_l("This number is too large."))

    def fill(self, rule: Any) -> None:
        """Show a stored rule's values (percentages and k as people type them)."""
        self.per_person_cap.data = rule.per_person_cap
        self.max_districts.data = rule.max_districts
        self.eligible_only.data = rule.eligible_only
        self.mode.data = rule.mode.value
        self.threshold_kind.data = rule.threshold_kind.value
        self.guaranteed_minimum.data = rule.guaranteed_minimum
        self.withdrawal.data = rule.withdrawal.value
        self.tie_rule.data = rule.tie_rule.value
        self.random_seed.data = rule.random_seed
        value = Decimal(rule.threshold_value)
        if rule.threshold_kind in SHARE_KINDS:
            value = value * 100 / BASIS_POINTS
        elif rule.threshold_kind is ThresholdKind.ENVELOPE_MULTIPLE:
            value = value / HUNDREDTHS
        self.threshold.data = "" if rule.threshold_kind is ThresholdKind.NONE else f"{value.normalize():f}"

    def to_input(self) -> RuleInput:
        kind = ThresholdKind(self.threshold_kind.data)
        value = _decimal(self.threshold.data or "") or Decimal(0)
        if kind in SHARE_KINDS:
            stored = int(value * BASIS_POINTS / 100)
        elif kind is ThresholdKind.ENVELOPE_MULTIPLE:
            stored = int(value * HUNDREDTHS)
        elif kind is ThresholdKind.NONE:
            stored = 0
        else:
            stored = int(value)
        return RuleInput(
            per_person_cap=int(self.per_person_cap.data or 1),
            max_districts=self.max_districts.data,
            threshold_kind=kind,
            threshold_value=stored,
            guaranteed_minimum=int(self.guaranteed_minimum.data or 0),
            withdrawal=WithdrawalPolicy(self.withdrawal.data),
            tie_rule=TieRule(self.tie_rule.data),
            random_seed=self.random_seed.data or "",
            eligible_only=bool(self.eligible_only.data),
            mode=SupportMode(self.mode.data),
        )


class FrontDeskSupportForm(FlaskForm):
    reference = StringField(
        _l("Proposal reference"),
        description=_l("As printed on the proposal, for example BP2026-00012."),
        validators=[DataRequired(_l("Give the proposal's reference.")), Length(max=40)],
    )
    email = EmailField(
        _l("The person's account address (if they have an account)"),
        validators=[
            Optional(),
            Email(_l("Type an e-mail address such as name@example.org.")),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Full name, as on the identity document"),
        description=_l(
            "Only a keyed fingerprint of the name and birth date is stored, never the name itself."
        ),
        validators=[Optional(), Length(max=120)],
    )
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    district_id = SelectField(
        _l("District where the person lives (checked)"), choices=[], validate_choice=False
    )

    def fill_choices(self, edition: Edition) -> None:
        self.district_id.choices = [("", _l("— not in a district of the edition —"))] + [
            (str(d.district_id), d.district.name)
            for d in sorted(edition.districts, key=lambda d: d.district.name)
        ]

    def validate_birth_date(self, field: DateField) -> None:
        if field.data is not None and not date(1900, 1, 1) <= field.data <= date.today():
            raise ValidationError(_l("Give a birth date between 1900 and today."))

    def validate_name(self, field: StringField) -> None:
        if not (self.email.data or "").strip() and not ((field.data or "").strip() and self.birth_date.data):
            raise ValidationError(_l("Give the person's account address, or their full name and birth date."))

    def to_walk_in(self) -> WalkIn:
        district = self.district_id.data
        return WalkIn(
            email=(self.email.data or "").strip(),
            name=self.name.data or "",
            birth_date=self.birth_date.data,
            district_id=int(district) if district and str(district).isdigit() else None,
        )


class OverrideForm(FlaskForm):
    public_reason = TextAreaField(
        _l("Public reason"),
        description=_l("Shown beside the result and on the proposal's timeline."),
        validators=[
            DataRequired(_l("Explain publicly why this result is changed.")),
            Length(min=10, max=2000, message=_l("Write between 10 and 2000 characters.")),
        ],
    )


class SessionForm(FlaskForm):
    held_at = DateTimeLocalField(
        _l("Date and time"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Give the date and time.")), DateRange()],
    )
    place = StringField(_l("Place"), validators=[DataRequired(_l("Give the place.")), Length(max=200)])
    jury_size = IntegerField(
        _l("Number of jury members"),
        description=_l("Counted, not named."),
        validators=[DataRequired(_l("Give the number of jury members.")), NumberRange(1, 10000)],
    )
    minutes = TextAreaField(_l("Minutes (Markdown)"), validators=[Optional(), Length(max=50_000)])

    def to_input(self) -> SessionInput:
        return SessionInput(
            held_at=self.held_at.data,
            place=self.place.data or "",
            jury_size=int(self.jury_size.data or 0),
            minutes=self.minutes.data or "",
        )


class DecisionForm(FlaskForm):
    proposal_id = SelectField(_l("Proposal"), choices=[], validate_choice=True)
    retained = RadioField(
        _l("Decision"),
        choices=[SelectChoice("yes", _l("Retained")), SelectChoice("no", _l("Not retained"))],
        validators=[DataRequired(_l("Choose the decision."))],
    )
    public_reason = TextAreaField(_l("Public reason"), validators=[Optional(), Length(max=2000)])

    def validate_public_reason(self, field: TextAreaField) -> None:
        if self.retained.data == "no" and not (field.data or "").strip():
            raise ValidationError(_l("Give the public reason why this proposal is not retained."))


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF or image)"), validators=[FileRequired(_l("Choose a file."))])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
