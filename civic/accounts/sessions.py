"""Server-side sessions: one row per logged-in browser, so logging out really ends the session.

The session cookie (and the remember-me cookie) carries a random token; the database keeps its SHA-256.
Logging out deletes the row, so a replayed cookie finds nothing and the visitor is anonymous. A password
change keeps the current browser and ends the others; a reset, a deletion or a new staff role ends all.

Staff (every role in ``STAFF_ROLES``: everyone but residents and funders, who act only on their own
data) are logged out after ``STAFF_IDLE_TIMEOUT`` seconds without a request; other people's sessions
last as long as the remember-me cookie (``REMEMBER_COOKIE_DURATION``) after their last request.
``last_seen_at`` is written at most once per ``SESSION_TOUCH_INTERVAL`` to spare a write per request.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from civic.accounts.models import User, UserSession
from civic.accounts.permissions import is_staff
from civic.core.time import utcnow
from civic.extensions import db


def hash_token(token: str) -> str:
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def describe_user_agent(user_agent: str) -> str:
    """Summarise a User-Agent header as "Browser, System" (no version: it is shown to the person)."""
    browsers = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    systems = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    browser = next((name for marker, name in browsers if marker in user_agent), "")
    system = next((name for marker, name in systems if marker in user_agent), "")
    summary = ", ".join(part for part in (browser, system) if part)
    return summary or re.sub(r"[^\w .,/()-]", "", user_agent)[:60]


def start_session(*, user: User, user_agent: str = "") -> str:
    """Open a session for ``user`` and return its token (set on ``user.session_token`` too)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(user_id=user.id, token_hash=hash_token(token), user_agent=describe_user_agent(user_agent))
    )
    _forget_expired(user)
    db.session.flush()
    user.session_token = token
    return token


def end_session(*, token: str | None) -> None:
    """Forget the session of this token (logging out)."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))


def end_other_sessions(*, user: User, keep_token: str | None = None) -> int:
    """Forget every session of ``user`` but the one of ``keep_token``; return how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != hash_token(keep_token))
    return db.session.execute(query).rowcount  # type: ignore[attr-defined,no-any-return]


def active_sessions(user: User) -> list[UserSession]:
    """Return the person's open sessions, most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def idle_limit(user: User) -> timedelta:
    """Return how long a session of this person may stay unused."""
    config = current_app.config
    seconds = config["STAFF_IDLE_TIMEOUT"] if is_staff(user.roles) else config["REMEMBER_COOKIE_DURATION"]
    return timedelta(seconds=int(seconds))


@functools.cache
def _session_user() -> Select[Any]:
    """Built once, on first use (every signed-in request runs it; building it cost more than running it)."""
    return (
        select(User, UserSession.id, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"), User.deleted_at.is_(None))
        .options(joinedload(User.role_grants))
    )


def load_session_user(token: str) -> User | None:
    """Return the live person of a still-open session token, refreshing its last-seen time."""
    # One query for the session, its person and their roles (needed for the idle limit anyway): a row per
    # role, made one by unique() (all rows are read: first() would cut the roles collection short).
    found = db.session.execute(_session_user(), {"token_hash": hash_token(token)}).unique().all()
    if not found:
        return None
    user, session_id, last_seen_at = found[0]
    now = utcnow()
    if now - last_seen_at > idle_limit(user):
        _write_outside_request(delete(UserSession).where(UserSession.id == session_id))
        return None
    if now - last_seen_at >= timedelta(seconds=current_app.config["SESSION_TOUCH_INTERVAL"]):
        _write_outside_request(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    user.session_token = token
    return user


def _write_outside_request(statement: object) -> None:
    # The request's own transaction must not be committed early: write on a connection of its own.
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)  # type: ignore[call-overload]
    except OperationalError:  # a busy SQLite file: the next request will try again
        current_app.logger.warning("Could not update a session's last-seen time", exc_info=True)


def _forget_expired(user: User) -> None:
    oldest: datetime = utcnow() - idle_limit(user)
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.last_seen_at < oldest)
    )
