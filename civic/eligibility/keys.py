"""The person key K_person and the keyed fingerprints made with it (person, birth check, access code).

K_person lives outside the database and the repository: ``PERSON_KEY`` in the configuration, else the
``CIVIC_PERSON_KEY`` environment variable, else ``person.key`` in the instance folder, created on first
use (32 random bytes, hex, mode 0600). Without it a fingerprint cannot be tested against a list of
identifiers; rotating it starts a new roll (every key changes), so back it up apart from the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from datetime import date

from flask import current_app

KEY_FILE = "person.key"
_EXTENSION = "civic_person_key"
_IGNORED = re.compile(r"[\s\-.]+")


class PersonKeyMissing(RuntimeError):
    """The configured person key is not usable (too short or not hexadecimal)."""


def _read_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise PersonKeyMissing(f"The person key in {where} must be hexadecimal.") from exc
    if len(key) < 32:
        raise PersonKeyMissing(f"The person key in {where} must hold at least 32 bytes (64 hex digits).")
    return key


def _load_or_create(instance_path: str) -> bytes:
    path = os.path.join(instance_path, KEY_FILE)
    os.makedirs(instance_path, exist_ok=True)
    try:
        # O_EXCL: two processes starting together do not both write a key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as handle:
            return _read_key(handle.read(), path)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    with open(path, encoding="ascii") as handle:
        return _read_key(handle.read(), path)


def secret() -> bytes:
    """Return K_person (read once per app)."""
    cached = current_app.extensions.get(_EXTENSION)
    if cached is None:
        configured = current_app.config.get("PERSON_KEY") or os.environ.get("CIVIC_PERSON_KEY")
        if configured:
            cached = _read_key(str(configured), "PERSON_KEY / CIVIC_PERSON_KEY")
        else:
            cached = _load_or_create(current_app.instance_path)
        current_app.extensions[_EXTENSION] = cached
    return cached  # type: ignore[no-any-return]


def canonical_identifier(identifier: str) -> str:
    """Return the identifier as compared: Unicode-normalised, stripped, casefolded, without spaces, hyphens, dots."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", identifier).strip().casefold())


class Keyring:
    """The keyed fingerprints, with K_person read once (a census import makes two per line)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _hmac(self, message: str) -> str:
        # Other fingerprints put a hyphen in their message, which no canonical identifier holds: no collisions.
        return hmac.digest(self._key, message.encode(), hashlib.sha256).hex()

    def person(self, canonical: str) -> str:
        """Return the person key of an already canonical identifier."""
        return self._hmac(canonical)

    def check(self, canonical: str, *, birth_date: date | None = None, birth_year: int | None = None) -> str:
        """Return the birth check key of an already canonical identifier."""
        birth = f"d:{birth_date.isoformat()}" if birth_date is not None else f"y:{birth_year:04d}"
        return self._hmac(f"check-{canonical}-{birth}")

    def code(self, normalised_code: str) -> str:
        return self._hmac(f"code-{normalised_code}")

    def code_person(self, normalised_code: str) -> str:
        return self._hmac(f"access-code-{normalised_code}")


def keyring() -> Keyring:
    """Return the fingerprints keyed with this app's K_person."""
    return Keyring(secret())


def person_key(identifier: str) -> str:
    """Return the person key of an identifier: HMAC-SHA256(K_person, canonical identifier), hex."""
    canonical = canonical_identifier(identifier)
    if not canonical:
        raise ValueError("empty identifier")
    return keyring().person(canonical)


def check_key(identifier: str, *, birth_date: date | None = None, birth_year: int | None = None) -> str:
    """Return the fingerprint of identifier and birth date (or year, when the census gives only the year)."""
    return keyring().check(canonical_identifier(identifier), birth_date=birth_date, birth_year=birth_year)


def birth_matches(stored: str | None, identifier: str, birth_date: date) -> bool:
    """Tell whether a typed birth date matches a roll entry's check key (its full date, or its year)."""
    if stored is None:
        return False
    candidates = (
        check_key(identifier, birth_date=birth_date),
        check_key(identifier, birth_year=birth_date.year),
    )
    return any(hmac.compare_digest(stored, candidate) for candidate in candidates)


def code_hash(normalised_code: str) -> str:
    """Return the stored fingerprint of an access code (already normalised)."""
    return keyring().code(normalised_code)


def code_person_key(normalised_code: str) -> str:
    """Return the person key of someone known only by an access code (no identifier to derive it from)."""
    return keyring().code_person(normalised_code)
