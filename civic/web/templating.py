"""Helpers and filters available in every template."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_time, get_locale
from markupsafe import Markup

from civic.web.cache import cached_fragment, per_reader
from civic.web.markdown import render_markdown


def current_lang() -> str:
    """Return the language code of the current request ('fr' or 'en')."""
    locale = get_locale()
    return locale.language if locale else "fr"


# French writes the first day of a month as an ordinal: "1er octobre", never "1 octobre".
_FRENCH_FIRST_OF_MONTH = re.compile(
    r"(?<![\d,.])1(?= (?:janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc))"
)


def french_first_of_month(text: str) -> str:
    """Write "1er" for the first day of a month in a French date ("1 octobre" → "1er octobre")."""
    return _FRENCH_FIRST_OF_MONTH.sub("1er", text)


# "de" before a vowel elides in French: "Rôles d’Élodie", not "Rôles de Élodie" (h is left alone:
# whether it is mute or aspirated depends on the word).
_FRENCH_DE_BEFORE_VOWEL = re.compile(r"\b([Dd])e ([AEIOUYÀÂÉÈÊËÎÏÔÛÜaeiouyàâéèêëîïôûü])")


def french_elision(text: str) -> str:
    """Elide "de" before a vowel in a French sentence built around a name ("de Élodie" → "d’Élodie")."""
    if current_lang() != "fr":
        return text
    elided = _FRENCH_DE_BEFORE_VOWEL.sub(lambda m: f"{m.group(1)}’{m.group(2)}", str(text))
    # Already-escaped text stays markup: the substitution only inserts an apostrophe.
    return Markup(elided) if isinstance(text, Markup) else elided  # noqa: S704


@per_reader
def _datetimeformat(value: datetime | None, fmt: str = "medium") -> str:
    # The database stores naive UTC; Flask-Babel converts to Europe/Paris for display.
    if value is None:
        return ""
    if fmt == "long":
        # Babel's "long" appends the UTC offset ("+0200"): residents read a plain date and hour.
        text = f"{format_date(value, 'long')}, {format_time(value, 'short')}"
    else:
        text = format_datetime(value, fmt)
    return french_first_of_month(text) if current_lang() == "fr" else text


@per_reader
def _money(amount: float | int | None, currency: str = "EUR") -> str:
    # Counting amounts are in the vote's own currency units (pabulib files use PLN, HUF, EUR...).
    if amount is None:
        return ""
    return format_currency(amount, currency or "EUR")


def register_template_helpers(app: Flask) -> None:
    """Expose the language, date, money and Markdown helpers to templates.

    Domain helpers (permission predicates, the euros filter) are registered by their own blueprints with
    ``bp.add_app_template_global`` / ``bp.add_app_template_filter``: this package imports no domain package.
    """
    app.add_template_global(current_lang, "current_lang")
    app.add_template_global(cached_fragment, "cached_fragment")
    app.add_template_filter(_datetimeformat, "datetimeformat")
    app.add_template_filter(french_elision, "elide")
    app.add_template_filter(_money, "money")
    app.add_template_filter(render_markdown, "markdown")
