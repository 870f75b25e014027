"""Time helpers: the database stores naive UTC; the interface shows Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (how the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Return today's date in the town (Europe/Paris): calls open and close on the town's days."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()
