"""Password hashing (argon2id) and password quality rules."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

# A fixed hash verified for unknown e-mails, so that a login for an unknown address costs as
# much time as one for a known address (no timing oracle).
_DUMMY_PASSWORD = "civic-timing-equaliser-password"  # noqa: S105


def hasher() -> PasswordHasher:
    """Return an argon2id hasher with the configured cost parameters."""
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against its hash; an absent hash still costs one verification."""
    ph = hasher()
    if password_hash is None:
        dummy = current_app.extensions.get("civic_dummy_hash")
        if dummy is None:
            dummy = current_app.extensions["civic_dummy_hash"] = ph.hash(_DUMMY_PASSWORD)
        with contextlib.suppress(VerificationError):
            ph.verify(dummy, password)
        return False
    try:
        return ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a stored hash was made with other parameters than the current ones."""
    return hasher().check_needs_rehash(password_hash)


def password_problems(password: str, *, user_inputs: list[str]) -> list[str]:
    """Return problem codes for a candidate password: ``too_short``, ``too_common``."""
    problems = []
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        problems.append("too_short")
    # zxcvbn knows the common-password lists and keyboard/sequence patterns; score 0-4. It refuses
    # more than 72 characters: the first 72 of a longer passphrase are judged.
    elif zxcvbn(password[:72], user_inputs=[u for u in user_inputs if u])["score"] < 3:
        problems.append("too_common")
    return problems
