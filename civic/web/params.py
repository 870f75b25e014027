"""Bounded numbers from URLs and query strings: an absurd id or page is a 404 or a default, never a 500.

Databases store ids as signed 64-bit integers (SQLite raises OverflowError above 2^63 - 1, PostgreSQL
"out of range"), so a number outside that range cannot name anything and must stop at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_DB_INT = 2**63 - 1
# A page number above this is past the end of any list (and keeps OFFSET inside 64 bits).
MAX_PAGE = 100_000


def _at_most(limit: str) -> str:
    """Return a regular expression matching the decimal numbers from 0 to ``limit`` (no leading sign)."""
    # Shorter numbers all fit; a number as long as the limit fits when, at the first digit where it
    # differs from the limit, its digit is smaller (or it is the limit itself).
    options = [rf"\d{{1,{len(limit) - 1}}}"] if len(limit) > 1 else []
    for position, digit in enumerate(limit):
        if digit != "0":
            rest = len(limit) - position - 1
            options.append(f"{limit[:position]}[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    options.append(limit)
    return "(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only values a database column can hold (otherwise the URL is a 404).

    The bound is in the pattern itself, not only in ``to_python``: Werkzeug decides between "no such
    page" (404) and "wrong method" (405) before it converts, so a URL whose number is too large must not
    match at all.
    """

    regex = _at_most(str(MAX_DB_INT))

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bounded_max = MAX_DB_INT if max is None or max > MAX_DB_INT else max
        bounded_min = (-MAX_DB_INT if signed else 0) if min is None else min
        super().__init__(map, fixed_digits, bounded_min, bounded_max, signed)
        if signed:
            self.regex = "-?" + _at_most(str(MAX_DB_INT))


def register_converters(app: Flask) -> None:
    """Replace Flask's unbounded ``int`` converter (call before any blueprint registers its rules)."""
    app.url_map.converters["int"] = BoundedIntConverter


def query_int(
    args: Mapping[str, Any],
    name: str,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_DB_INT,
) -> int | None:
    """Read an integer query parameter; return ``default`` when it is missing, malformed or out of range."""
    raw = str(args.get(name, "") or "").strip()
    if not raw or len(raw) > 19 or not raw.isascii() or not raw.lstrip("-").isdigit():
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def page_arg(args: Mapping[str, Any], name: str = "page") -> int:
    """Return the page number asked for (1 when missing or absurd), at most ``MAX_PAGE``."""
    page = query_int(args, name, default=1, minimum=1, maximum=MAX_DB_INT) or 1
    return min(page, MAX_PAGE)
