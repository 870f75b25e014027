"""Money as integer cents, and amounts read as people type them. Pure: no framework imports (Babel only)."""

from __future__ import annotations

import enum
import re
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError, get_decimal_symbol, parse_decimal

# A thousand billion euros: far above any town budget (Paris spends about 10^10 € a year), and its
# cents (10^14) stay well inside the database's BIGINT range (about 9.2 × 10^18).
MAX_EUROS = 10**12
MAX_CENTS = MAX_EUROS * 100
# Longer text cannot be a sane amount, even with every group separator and a currency sign.
MAX_TEXT_LENGTH = 40

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
_CURRENCY = re.compile(r"€|\bEUR\b|\beuros?\b", re.IGNORECASE)
# Thousands grouped by threes; "_" stands for any group separator once the text is cleaned.
_GROUPED = re.compile(r"[1-9]\d{0,2}(_\d{3})+")


class AmountProblem(enum.Enum):
    """Why a text is not an amount; the web layer turns each into a message in the reader's language."""

    INVALID = "invalid"
    NEGATIVE = "negative"
    SCIENTIFIC = "scientific"
    TOO_PRECISE = "too_precise"
    TOO_LARGE = "too_large"


class MoneyError(ValueError):
    """A text could not be read as an amount of euros."""

    def __init__(self, text: str, problem: AmountProblem = AmountProblem.INVALID) -> None:
        super().__init__(f"{problem.value}: {text[:MAX_TEXT_LENGTH]!r}")
        self.problem = problem


def parse_amount(text: str, locale: Locale | str) -> int:
    """Read an amount of euros typed in ``locale`` ("15 000", "15.000" fr, "15,000" en, "1 234,50 €") as cents.

    Babel gives the locale's decimal mark and the final strict parse. The grouping rules are ours, because
    people type the other convention too and Babel alone reads French "15.000" as fifteen:
    - spaces of any kind (space, no-break space, narrow no-break space) group thousands in every language;
    - with both "." and ",", the last one is the decimal mark;
    - with only the mark that is *not* the locale's decimal mark, followed by groups of three digits,
      it groups thousands ("15.000" in French, "15,000" in English); otherwise it is a decimal mark.
    Refused: negative numbers, scientific notation, more than two decimals, more than ``MAX_EUROS``.
    """
    locale = Locale.parse(locale)
    if len(text) > MAX_TEXT_LENGTH:
        raise MoneyError(text, AmountProblem.TOO_LARGE)
    cleaned = _SPACES.sub("_", _CURRENCY.sub("", text)).strip("_")
    if cleaned[:1] in {"-", "\u2212"}:
        raise MoneyError(text, AmountProblem.NEGATIVE)
    if re.fullmatch(r"\d[\d.,_]*[eE][+-]?\d+", cleaned):
        raise MoneyError(text, AmountProblem.SCIENTIFIC)
    if not re.fullmatch(r"\d[\d.,_]*", cleaned, flags=re.ASCII):
        raise MoneyError(text)
    integer, fraction = _split(cleaned, decimal_mark=get_decimal_symbol(locale))
    if len(fraction) > 2:
        raise MoneyError(text, AmountProblem.TOO_PRECISE)
    canonical = integer + (get_decimal_symbol(locale) + fraction if fraction else "")
    try:
        value = parse_decimal(canonical, locale, strict=True)
    except NumberFormatError as exc:
        raise MoneyError(text) from exc
    if value > MAX_EUROS:
        raise MoneyError(text, AmountProblem.TOO_LARGE)
    return int(value * 100)


def _split(cleaned: str, *, decimal_mark: str) -> tuple[str, str]:
    """Return the integer digits (separators removed) and the decimal digits of a cleaned amount."""
    marks = {c for c in cleaned if c in ".,"}
    decimal = ""
    if len(marks) == 2:
        decimal = "." if cleaned.rfind(".") > cleaned.rfind(",") else ","
    elif len(marks) == 1:
        (mark,) = marks
        groups_thousands = _GROUPED.fullmatch(cleaned.replace(mark, "_")) is not None
        if not (groups_thousands and (mark != decimal_mark or cleaned.count(mark) > 1)):
            decimal = mark
    integer, _, fraction = cleaned.rpartition(decimal) if decimal else (cleaned, "", "")
    integer = integer.replace(".", "_").replace(",", "_")
    if not re.fullmatch(r"\d*", fraction) or not (integer.isdigit() or _GROUPED.fullmatch(integer)):
        raise MoneyError(cleaned)
    return integer.replace("_", ""), fraction


def cents_to_euros(cents: int) -> Decimal:
    """Return an exact Decimal amount of euros."""
    return Decimal(cents) / 100
