"""Amounts typed by people become exact integer cents."""

import pytest

from civic.core.money import MoneyError, cents_to_euros, euros_to_cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1 234,56", 123456), ("1234.56", 123456), ("100 000 €", 10000000), ("0,005", 1), ("12", 1200)],
)
def test_amounts_are_read_as_cents(text, cents):
    assert euros_to_cents(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "-5", "NaN", "1,2,3"])
def test_junk_and_negative_amounts_are_refused(text):
    with pytest.raises(MoneyError):
        euros_to_cents(text)


def test_cents_round_trip_exactly():
    assert str(cents_to_euros(123456)) == "1234.56"
