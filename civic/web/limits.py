"""Rate-limit helpers shared by the blueprints: limits read from the configuration, counted per account."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask.wrappers import Response
from flask_limiter.util import get_remote_address
from flask_login import current_user


def configured(config_key: str) -> Callable[[], str]:
    """Return a callable reading a limit such as "10 per hour" from the configuration at request time."""
    return lambda: str(current_app.config[config_key])


def account_key() -> str:
    """Count per account (several residents may share a town hall's address), per address when anonymous."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{get_remote_address()}"


def failed(response: Response) -> bool:
    """Tell whether a form post failed (anything but the 303 of a success): only failures are counted."""
    return response.status_code != 303


def succeeded(response: Response) -> bool:
    """Tell whether a form post succeeded (a 303): only what was really written is counted."""
    return response.status_code == 303
