"""Signed, expiring tokens for e-mail confirmation and password reset."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM = "civic.confirm-email"
RESET = "civic.reset-password"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value: str | None) -> str:
    # Binding the token to the current password hash (or e-mail) makes it single-use.
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def make_token(salt: str, *, user_id: int, bound_to: str | None) -> str:
    """Sign a token for one user, valid until ``bound_to`` changes."""
    return _serializer(salt).dumps({"u": user_id, "f": _fingerprint(bound_to)})


def read_token(salt: str, token: str, *, max_age: int) -> tuple[int, str] | None:
    """Return (user id, fingerprint) from a valid token, or None."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"], str(data.get("f", ""))


def fingerprint_matches(fingerprint: str, bound_to: str | None) -> bool:
    """Tell whether a token's fingerprint still matches the value it was bound to."""
    return fingerprint == _fingerprint(bound_to)
