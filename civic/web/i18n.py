"""Choose the language and time zone of each request."""

from __future__ import annotations

import functools

from babel import support
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from wtforms.i18n import messages_path


def select_locale() -> str:
    """Use the chosen language: account preference, then session, then the browser, then French."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Show every date in the town's time zone."""
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@functools.lru_cache(maxsize=8)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("This field is required.") in the request's language, each catalog read once
    per process: Flask-WTF reads it from disk again on every request that builds a form."""

    def ugettext(self, string: str) -> str:
        return str(_wtforms_catalog(str(get_locale())).ugettext(string))

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return str(_wtforms_catalog(str(get_locale())).ungettext(singular, plural, n))


_MESSAGES = _WTFormsMessages()


def share_wtforms_catalogs(app: Flask) -> None:
    """Hand Flask-WTF the process's catalogs (it looks for ``request.wtforms_translations`` first)."""

    @app.before_request
    def _set() -> None:
        request.wtforms_translations = _MESSAGES  # type: ignore[attr-defined]
