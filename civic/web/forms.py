"""Form fields and helpers shared by every blueprint: amounts typed in the reader's language, dates in a
sane range, service refusals put beside their inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from civic.core.money import MAX_TEXT_LENGTH, AmountProblem, MoneyError, cents_to_euros, parse_amount

AMOUNT_MESSAGES = {
    AmountProblem.INVALID: _l("Type an amount in euros, for example 15 000 or 1 234,50."),
    AmountProblem.NEGATIVE: _l("The amount cannot be negative."),
    AmountProblem.SCIENTIFIC: _l("Type the amount in full digits, for example 150 000 rather than 1.5e5."),
    AmountProblem.TOO_PRECISE: _l("Give at most two decimals (cents)."),
    AmountProblem.TOO_LARGE: _l("This amount is too large: at most 1 000 000 000 000 €."),
}

# Dates typed in forms: an edition, a block or a phase outside these years is a typo.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


class AmountField(StringField):
    """A text input read as euros in the reader's language ("15 000", "1 234,50 €"), held as integer cents."""

    data: int | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        render_kw = {"inputmode": "decimal", "autocomplete": "off", "maxlength": MAX_TEXT_LENGTH}
        kwargs["render_kw"] = render_kw | (kwargs.get("render_kw") or {})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            try:
                self.data = parse_amount(str(valuelist[0]), get_locale() or "fr")
            except MoneyError as exc:
                raise ValueError(str(AMOUNT_MESSAGES[exc.problem])) from exc

    def process_data(self, value: Any) -> None:
        self.data = value if isinstance(value, int) else None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        # Grouped the way the reader writes numbers; parse_amount reads it back exactly.
        return str(format_decimal(cents_to_euros(self.data), format="#,##0.##"))


class DateRange:
    """Refuse dates before EARLIEST_YEAR or after LATEST_YEAR with a message on the field."""

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data
        if isinstance(value, date | datetime) and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValidationError(
                _l("Give a date between %(first)d and %(last)d.", first=EARLIEST_YEAR, last=LATEST_YEAR)
            )


def add_problems(form: FlaskForm, problems: Mapping[str, Sequence[str]]) -> None:
    """Put a service's refusals beside the inputs they name (unknown names go on the first field)."""
    fields = [name for name in form._fields if name != "csrf_token"]
    for key, messages in problems.items():
        field = form[key] if key in form._fields else form[fields[0]]
        field.errors = [*field.errors, *messages]
