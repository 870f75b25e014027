"""Moderation forms and labels: shapes and lengths; business rules live in services."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, ValidationError
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


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice(reason.value, label) for reason, label in REASON_LABELS.items()]


class ReportForm(FlaskForm):
    target_type = HiddenField(validators=[DataRequired(), AnyOf([t.value for t in ReportTarget])])
    target_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])
    next = HiddenField()
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
