"""Forms for staff counting actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from civic.results.labels import rule_label
from civic.tally.api import rule_names


class RunForm(FlaskForm):
    rule = SelectField(_l("Counting rule"), choices=[])

    def fill_choices(self) -> None:
        """Offer every registered rule under its name in the reader's language (and its code name)."""
        self.rule.choices = [SelectChoice(name, f"{rule_label(name)} ({name})") for name in rule_names()]


class ConfirmForm(FlaskForm):
    """Only the CSRF token, for one-button actions."""
