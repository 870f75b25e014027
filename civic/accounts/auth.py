"""Flask-Login wiring: sessions identified by user id and a nonce."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from civic.accounts.models import User
from civic.extensions import db


def load_user(session_id: str) -> User | None:
    """Load the person of a session; a stale nonce (password reset, deletion) ends the session."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.deleted_at is not None or user.login_nonce != nonce:
        return None
    return user


def configure_login_manager(manager: LoginManager) -> None:
    """Set the user loader, login view and the message shown when login is needed."""
    manager.user_loader(load_user)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.login_message_category = "info"
    # "strong" would drop the session when the remote address changes (mobile networks do).
    manager.session_protection = "basic"
