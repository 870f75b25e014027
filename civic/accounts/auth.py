"""Flask-Login wiring: sessions identified by a server-side session token (civic.accounts.sessions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from civic.accounts.models import User
from civic.accounts.sessions import load_session_user


def load_user(session_token: str) -> User | None:
    """Load the person of a session; a logged-out, ended or idle-expired session gives nobody."""
    return load_session_user(session_token)


def configure_login_manager(manager: LoginManager) -> None:
    """Set the user loader, login view and the message shown when login is needed."""
    manager.user_loader(load_user)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.login_message_category = "info"
    # "strong" would drop the session when the remote address changes (mobile networks do).
    manager.session_protection = "basic"
