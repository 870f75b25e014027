"""Helpers and filters available in every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_time, get_locale

from civic.web.cache import cached_fragment, per_reader
from civic.web.markdown import render_markdown


def current_lang() -> str:
    """Return the language code of the current request ('fr' or 'en')."""
    locale = get_locale()
    return locale.language if locale else "fr"


@per_reader
def _datetimeformat(value: datetime | None, fmt: str = "medium") -> str:
    # The database stores naive UTC; Flask-Babel converts to Europe/Paris for display.
    if value is None:
        return ""
    if fmt == "long":
        # Babel's "long" appends the UTC offset ("+0200"): residents read a plain date and hour.
        return f"{format_date(value, 'long')}, {format_time(value, 'short')}"
    return format_datetime(value, fmt)


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
    app.add_template_filter(_money, "money")
    app.add_template_filter(render_markdown, "markdown")
