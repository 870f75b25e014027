"""Amounts typed by people, in French or English, become exact integer cents."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from civic.core.money import MAX_CENTS, AmountProblem, MoneyError, cents_to_euros, parse_amount


@pytest.mark.parametrize(
    ("text", "locale", "cents"),
    [
        ("15 000", "fr", 15_000_00),
        ("15\u00a0000", "fr", 15_000_00),
        ("15\u202f000", "fr", 15_000_00),
        ("15.000", "fr", 15_000_00),
        ("15,000", "en", 15_000_00),
        ("15 000", "en", 15_000_00),
        ("1 234,50", "fr", 1_234_50),
        ("1.234,50", "fr", 1_234_50),
        ("1,234.50", "en", 1_234_50),
        ("1234.5", "fr", 1_234_50),
        ("100 000 €", "fr", 100_000_00),
        ("€1,000", "en", 1_000_00),
        ("12", "fr", 12_00),
        ("1.234.567", "en", 1_234_567_00),
    ],
)
def test_amounts_are_read_as_people_type_them(text, locale, cents):
    assert parse_amount(text, locale) == cents


@pytest.mark.parametrize(
    ("text", "locale", "problem"),
    [
        ("", "fr", AmountProblem.INVALID),
        ("abc", "fr", AmountProblem.INVALID),
        ("NaN", "en", AmountProblem.INVALID),
        ("Infinity", "en", AmountProblem.INVALID),
        ("1,2,3", "fr", AmountProblem.INVALID),
        ("12 34", "fr", AmountProblem.INVALID),
        ("-5", "fr", AmountProblem.NEGATIVE),
        ("1e5", "fr", AmountProblem.SCIENTIFIC),
        ("1E+99999999", "en", AmountProblem.SCIENTIFIC),
        ("0,005", "fr", AmountProblem.TOO_PRECISE),
        ("15,000", "fr", AmountProblem.TOO_PRECISE),
        ("15.000", "en", AmountProblem.TOO_PRECISE),
        ("1 000 000 000 000,01", "fr", AmountProblem.TOO_LARGE),
        ("9" * 30, "en", AmountProblem.TOO_LARGE),
        ("9" * 400, "en", AmountProblem.TOO_LARGE),
    ],
)
def test_junk_negative_scientific_precise_and_huge_amounts_are_refused(text, locale, problem):
    with pytest.raises(MoneyError) as caught:
        parse_amount(text, locale)
    assert caught.value.problem is problem


def test_the_maximum_fits_the_database_bigint():
    assert parse_amount("1 000 000 000 000", "fr") == MAX_CENTS < 2**63 - 1


amounts = st.integers(min_value=0, max_value=MAX_CENTS).map(lambda cents: Decimal(cents) / 100)


@given(amount=amounts, locale=st.sampled_from(["fr", "en"]))
def test_babel_formatted_amounts_read_back_exactly(amount, locale):
    text = format_decimal(amount, locale=locale, decimal_quantization=False)
    assert parse_amount(text, locale) == int(amount * 100)
    with_currency = format_currency(amount, "EUR", locale=locale)
    assert parse_amount(with_currency, locale) == int(amount * 100)


def test_cents_round_trip_exactly():
    assert str(cents_to_euros(123456)) == "1234.56"
