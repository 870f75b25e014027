"""Small text normalisations shared by the domains."""

from __future__ import annotations

import unicodedata


def one_line(value: str | None) -> str:
    """Return ``value`` on one line: runs of whitespace (CR, LF, tabs…) become one space, other control
    characters go. Names and titles end up in e-mail subject lines, where a line break would let the rest
    of the text pose as the message's own first lines."""
    if not value:
        return ""
    kept = "".join(
        " " if char.isspace() else char
        for char in value
        if unicodedata.category(char) != "Cc" or char.isspace()
    )
    return " ".join(kept.split())


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """Neutralise a text a spreadsheet would run as a formula (a leading quote shows it as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
