"""Moderation forms and labels: shapes and lengths; business rules live in services."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Form, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from civic.moderation.models import ReportReason, ReportState, ReportTarget

# The same msgids are spelled out in templates/moderation/_hidden_placeholder.html (see the note there).
REASON_LABELS = {
    ReportReason.SPAM: _l("Spam or advertising"),
    ReportReason.OFFENSIVE: _l("Offensive or hateful"),
    ReportReason.OFF_TOPIC: _l("Off-topic"),
    ReportReason.PERSONAL_DATA: _l("Personal data"),
    ReportReason.OTHER: _l("Other reason"),
}
STATE_LABELS = {
    ReportState.OPEN: _l("Waiting for a decision"),
    ReportState.UPHELD: _l("Content hidden"),
    ReportState.DISMISSED: _l("Reports dismissed"),
}
TARGET_LABELS = {
    ReportTarget.PROPOSAL: _l("Proposal"),
    ReportTarget.COMMENT: _l("Comment"),
}
TEXT_MAX_LENGTH = 2000


def town_zone() -> ZoneInfo:
    """Return the town's time zone, in which moderators pick dates."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice(reason.value, label) for reason, label in REASON_LABELS.items()]


class ReportForm(FlaskForm):
    target_type = HiddenField(validators=[DataRequired(), AnyOf([t.value for t in ReportTarget])])
    target_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])
    reason = RadioField(
        _l("Why are you reporting this?"),
        choices=_reason_choices(),
        validators=[InputRequired(message=_l("Choose a reason."))],
    )
    text = TextAreaField(
        _l("Details"),
        validators=[Length(max=TEXT_MAX_LENGTH)],
        description=_l('Required for "Other reason". Only moderators read it.'),
        render_kw={"rows": 4},
    )

    def validate_text(self, field: Any) -> None:
        """Ask for an explanation when none of the listed reasons fits."""
        if self.reason.data == ReportReason.OTHER.value and not (field.data or "").strip():
            raise ValidationError(_l('Please explain the problem when you choose "Other reason".'))


class HideForm(FlaskForm):
    reason = SelectField(
        _l("Public reason"),
        choices=_reason_choices(),
        validators=[InputRequired(message=_l("Choose a reason."))],
    )
    # Set by the confirmation page's button: without it the view asks for confirmation first.
    confirmed = HiddenField()


class RestoreForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the content shown again?"),
        validators=[DataRequired(message=_l("Give the reason: the authors will read it.")), Length(max=500)],
        description=_l("The authors receive it by e-mail; it is kept in the audit log."),
        render_kw={"rows": 3},
    )
    next = HiddenField()


class BlockForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the block"),
        validators=[DataRequired(message=_l("Give the reason: the person will read it.")), Length(max=500)],
        description=_l("Sent to the person by e-mail, in their language, and kept in the audit log."),
        render_kw={"rows": 3},
    )
    until = DateField(
        _l("Blocked until (optional)"),
        validators=[Optional()],
        description=_l("Leave empty for a block without end. From this day on, the person can write again."),
    )
    next = HiddenField()

    def validate_until(self, field: Any) -> None:
        """Refuse a past day and absurd years."""
        if field.data is None:
            return
        today = datetime.now(town_zone()).date()
        if field.data <= today:
            raise ValidationError(_l("Choose a day after today."))
        if field.data.year > today.year + 10:
            raise ValidationError(_l("Choose a day within the next ten years."))

    def until_utc(self) -> datetime | None:
        """Return the start of the chosen day in the town's time zone, as naive UTC."""
        if self.until.data is None:
            return None
        local = datetime.combine(self.until.data, time.min, tzinfo=town_zone())
        return local.astimezone(UTC).replace(tzinfo=None)


class QueueFilterForm(Form):
    """The queue's GET filters (no CSRF: they change nothing); bad values fall back to the defaults."""

    edition = SelectField(_l("Edition"), id="queue-edition", coerce=int, choices=[], default=0)
    reason = SelectField(
        _l("Reason"),
        id="queue-reason",
        choices=[SelectChoice("", _l("All reasons")), *_reason_choices()],
        default="",
    )
    state = SelectField(
        _l("State"),
        id="queue-state",
        choices=[SelectChoice(state.value, label) for state, label in STATE_LABELS.items()],
        default=ReportState.OPEN.value,
    )

    def fill_editions(self, editions: list[tuple[int, str]]) -> None:
        """Offer every edition, plus "all editions"."""
        self.edition.choices = [SelectChoice(0, _l("All editions"))] + [
            SelectChoice(edition_id, name) for edition_id, name in editions
        ]

    def selected(self) -> tuple[int | None, ReportReason | None, ReportState]:
        """Return the valid filters: edition id, reason and state (unknown values are ignored)."""
        self.validate()
        edition_id = self.edition.data if not self.edition.errors and self.edition.data else None
        reason = ReportReason(self.reason.data) if self.reason.data and not self.reason.errors else None
        state = ReportState.OPEN if self.state.errors else ReportState(self.state.data)
        return edition_id, reason, state
