"""Absolute links for e-mails, built from the configured public address, never from the request's Host.

A forged ``Host`` header must not be able to put its own domain in a password-reset link: every
absolute URL Civic sends out comes from ``BASE_URL`` (``CIVIC_BASE_URL``), and requests whose Host is
not trusted (Flask's ``TRUSTED_HOSTS``, derived from it) are refused with a 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask.wrappers import Response
from werkzeug.exceptions import SecurityError

# Used only in development when CIVIC_BASE_URL is unset (``make run`` always sets it).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """Return the site's public address, without a trailing slash."""
    return str(current_app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """Build an absolute URL for ``endpoint`` on the public base URL (ignores the current request)."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def register_host_checks(app: Flask) -> None:
    """Answer an untrusted Host header with a plain 400 (no template: URLs cannot be built for it)."""

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError) -> Response:
        return Response("Bad request: unknown host name.\n", 400, mimetype="text/plain")
