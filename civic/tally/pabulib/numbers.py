"""Numbers in pabulib cells: exact, and refused at once when absurd."""

from __future__ import annotations

import re
from fractions import Fraction

from civic.tally.errors import PabulibError
from civic.tally.model import Number, normalize, parse_number

# Limits on the numbers of a file, checked before any exact conversion: converting a cell such as
# `1e99999999` or a million digits would take hours, and amounts must fit the database once counted
# in cents (a signed 64-bit integer); points are stored in a 32-bit integer column.
MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 40
MAX_AMOUNT = (2**63 - 1) // 100
MAX_POINTS = 2**31 - 1
MAX_SCORE = 2**63 - 1
_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")
_DECIMAL_CELL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
# A points cell `int` reads exactly as `points_cell` would, item by item: ten digits at most per item
# (so one conversion cannot be slow) and no leading zero (so two distinct cells never read the same).
# An amount cell read directly by `amount`: at most 16 digits before the point (below MAX_AMOUNT) and
# 18 after, no sign, exponent or space.
_PLAIN_AMOUNT = re.compile(r"([0-9]{1,16})(?:\.([0-9]{0,18}))?")
_PLAIN_POINTS = re.compile(r"(?:0|[1-9]\d{0,9})(?:,(?:0|[1-9]\d{0,9}))*")


def limited_number(text: str, *, limit: int) -> Number:
    """Parse a decimal cell like `parse_number`, refusing (ValueError, with the reason) absurd ones.

    Too many characters, an exponent beyond ±MAX_EXPONENT or an absolute value above ``limit`` are
    refused before the exact conversion could take long.
    """
    s = text.strip()
    if len(s) > MAX_NUMBER_CHARS:
        raise ValueError(f"too many digits (more than {MAX_NUMBER_CHARS} characters)")
    exponent = _EXPONENT.search(s)
    if exponent is not None and abs(int(exponent.group(1))) > MAX_EXPONENT:
        # Tiny exponents are as absurd as huge ones (and as slow to convert exactly).
        if exponent.group(1).startswith("-"):
            raise ValueError(f"exponent beyond -{MAX_EXPONENT}")
        raise ValueError(f"too large (more than {limit})")
    value = parse_number(s)
    if not -limit <= value <= limit:
        raise ValueError(f"too large (more than {limit})")
    return value


def short(text: str) -> str:
    """Return a cell cut to a readable length for an error message."""
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:40] + "…")


def amount(text: str, what: str, line: int) -> Number:
    """Return a budget or cost cell as an exact number; PabulibError if it is not a sane amount."""
    plain = _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        # Most cells ("75000", "75000.0", "1234.50"): read at once, as `limited_number` would read
        # them (parsing a decimal string into a Fraction costs ~10 us, a tenth of a small file).
        whole, decimals = plain.groups()
        if not decimals or not decimals.strip("0"):
            return int(whole)
        return normalize(Fraction(int(whole + decimals), 10 ** len(decimals)))
    if not _DECIMAL_CELL.match(text.strip()):
        raise PabulibError(f"{what} is not a number: {short(text)}", line)
    try:
        value = limited_number(text, limit=MAX_AMOUNT)
    except ValueError as exc:
        raise PabulibError(f"{what} is {exc}: {short(text)}", line) from None
    if value < 0:
        raise PabulibError(f"{what} is negative", line)
    return value


def plain_points(cell: str) -> tuple[int, ...] | None:
    """Return the points of a cell of plain integers (the common case), None for any other cell."""
    if _PLAIN_POINTS.fullmatch(cell) is None:
        return None
    points = tuple(map(int, cell.split(",")))
    return points if max(points) <= MAX_POINTS else None


def points_cell(cell: str) -> tuple[Number, ...] | None:
    """Return the points of a cell (None when it holds no value); ValueError if one is not a number."""
    text = cell.strip()
    if not text or text == "None":
        return None
    return tuple([_point(x) for x in text.split(",")])


def _point(text: str) -> Number:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(text)
    try:
        value: Number = int(text)
    except ValueError:
        value = limited_number(text, limit=MAX_POINTS)
    if not -MAX_POINTS <= value <= MAX_POINTS:
        raise ValueError(text)
    return value
