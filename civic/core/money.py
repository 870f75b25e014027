"""Money as integer cents. Pure: no framework imports."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class MoneyError(ValueError):
    """A text could not be read as an amount of euros."""


def euros_to_cents(text: str) -> int:
    """Read "1 234,56", "1234.56" or "1 234 €" as cents; refuse negatives and junk."""
    cleaned = text.replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "").strip()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyError(text) from exc
    if not value.is_finite() or value < 0:
        raise MoneyError(text)
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_euros(cents: int) -> Decimal:
    """Return an exact Decimal amount of euros."""
    return Decimal(cents) / 100
