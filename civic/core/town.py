"""The town's identity (name, logo, brand colours): one database row, cached per process.

It lives in ``core`` because the layers below every domain need it: ``core.mail`` signs
messages with the town's name and ``base.html`` shows it in every page's header. Admin screens
change it through ``civic.town.services``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from sqlalchemy import CheckConstraint, LargeBinary, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, deferred, mapped_column

from civic.core.time import utcnow
from civic.extensions import db

DEFAULT_PRIMARY = "#1d4ed8"
DEFAULT_SECONDARY = "#f1f5f9"
# The text each brand colour carries: white on the primary (header bar, buttons), dark on the
# secondary (bands, highlights). Contrast is checked against these when an admin sets a colour.
TEXT_ON_PRIMARY = "#ffffff"
TEXT_ON_SECONDARY = "#1f2937"
SETTINGS_ID = 1
CACHE_SECONDS = 30


class TownSettings(db.Model):
    """The single row of the town's settings (id 1); absent until an admin first saves them."""

    __tablename__ = "town_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    primary_colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_PRIMARY)
    secondary_colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_SECONDARY)
    # Re-encoded PNG, at most a few hundred kB: kept in the database so that every server
    # process sees it and backups hold it; deferred so the cached identity never loads it.
    logo_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_width: Mapped[int | None]
    logo_height: Mapped[int | None]
    # Bumped on every change: the CSS and logo URLs carry it, so browsers may cache them for ever.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class TownIdentity:
    """What pages and e-mails show of the town (a detached, immutable snapshot)."""

    name: str
    primary_colour: str = DEFAULT_PRIMARY
    secondary_colour: str = DEFAULT_SECONDARY
    logo_width: int | None = None
    logo_height: int | None = None
    version: int = 0

    @property
    def has_logo(self) -> bool:
        return self.logo_width is not None

    text_on_primary = TEXT_ON_PRIMARY
    text_on_secondary = TEXT_ON_SECONDARY


def default_identity() -> TownIdentity:
    """Return the identity before any admin set one: the configured name (CIVIC_TOWN_NAME)."""
    return TownIdentity(name=current_app.config["TOWN_NAME"])


def town_identity() -> TownIdentity:
    """Return the town's identity, read at most once per request and every CACHE_SECONDS per process.

    Other server processes see a change within CACHE_SECONDS; the process that made it at once
    (``forget_town_identity``).
    """
    cached = g.get("civic_town")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    store = current_app.extensions.setdefault("civic_town", {})
    entry = store.get("identity")
    ttl = current_app.config.get("TOWN_CACHE_SECONDS", CACHE_SECONDS)
    if entry is None or time.monotonic() - entry[1] > ttl:
        try:
            identity = _load()
        except SQLAlchemyError:
            # An error page must still render when the database is the problem.
            current_app.logger.warning("town settings unavailable; using the defaults", exc_info=True)
            return default_identity()
        entry = (identity, time.monotonic())
        store["identity"] = entry
    g.civic_town = entry[0]
    return entry[0]  # type: ignore[no-any-return]


def forget_town_identity() -> None:
    """Drop the cached identity (call after committing a change)."""
    current_app.extensions.setdefault("civic_town", {}).pop("identity", None)
    g.pop("civic_town", None)


def _load() -> TownIdentity:
    row = db.session.scalar(select(TownSettings).where(TownSettings.id == SETTINGS_ID))
    if row is None:
        return default_identity()
    return TownIdentity(
        name=row.name,
        primary_colour=row.primary_colour,
        secondary_colour=row.secondary_colour,
        logo_width=row.logo_width,
        logo_height=row.logo_height,
        version=row.version,
    )
