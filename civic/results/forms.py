"""Forms for staff counting actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from civic.results.labels import rule_label


class RunForm(FlaskForm):
    rule = SelectField(_l("Counting rule"), choices=[])

    def fill_choices(self, rules: list[str]) -> None:
        """Offer the given rules (those that can count the pool's ballots) under their names."""
        self.rule.choices = [SelectChoice(name, f"{rule_label(name)} ({name})") for name in rules]


class ConfirmForm(FlaskForm):
    """Only the CSRF token, for one-button actions."""


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Public reason for withdrawing this result"),
        validators=[DataRequired(_l("Give the public reason.")), Length(max=2000)],
        description=_l("Shown on the results page and on the timeline of every project of this vote."),
    )
