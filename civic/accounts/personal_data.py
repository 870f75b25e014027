"""The personal-data export (GDPR right of access): everything a person wrote or did, as JSON or CSV.

Accounts sit below the domains that hold a person's contributions, so those domains add their own
part to the export: each registers a *section* (``@section("comments")``) returning one dict per row.
The JSON export is ``{section: rows}``; the CSV export is a zip with one ``<section>.csv`` per section.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from civic.accounts.models import User, UserSession
from civic.core.audit import AuditEntry
from civic.core.text import spreadsheet_cell
from civic.core.time import utcnow
from civic.extensions import db

Rows = list[dict[str, Any]]
Section = Callable[[User], Rows]
_SECTIONS: dict[str, Section] = {}
# Sections of exactly one row are a JSON object, not a list of one (the CSV has one line).
_SINGLE_ROW = {"account"}


def section(name: str) -> Callable[[Section], Section]:
    """Register a function giving the rows of one part of a person's export."""

    def register(function: Section) -> Section:
        _SECTIONS[name] = function
        return function

    return register


def iso(value: datetime | None) -> str | None:
    """Format a stored (naive UTC) time for the export."""
    return value.isoformat() + "Z" if value is not None else None


def collect(user: User) -> dict[str, Rows]:
    """Return every registered section for ``user``, in a stable order."""
    return {name: function(user) for name, function in _SECTIONS.items()}


def as_json(user: User) -> str:
    """Return the export as an indented JSON document."""
    data: dict[str, Any] = {"exported_at": iso(utcnow())}
    for name, rows in collect(user).items():
        data[name] = rows[0] if name in _SINGLE_ROW else rows
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def as_csv_zip(user: User) -> bytes:
    """Return the export as a zip holding one CSV file (UTF-8 with BOM, for spreadsheets) per section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in collect(user).items():
            text = io.StringIO()
            columns = list(dict.fromkeys(key for row in rows for key in row)) or ["none"]
            writer = csv.DictWriter(text, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
            archive.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    # Texts come from several people (a co-author's title, a proposal's description): never as formulas.
    return spreadsheet_cell(value)


@section("account")
def _account(user: User) -> Rows:
    return [
        {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "locale": user.locale,
            "district": user.district.name if user.district else None,
            "age_bracket": user.age_bracket.value if user.age_bracket else None,
            "email_confirmed_at": iso(user.email_confirmed_at),
            "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at),
            "blocked_at": iso(user.blocked_at),
        }
    ]


@section("roles")
def _roles(user: User) -> Rows:
    return [
        {"role": grant.role.value, "granted_at": iso(grant.granted_at)}
        for grant in sorted(user.role_grants, key=lambda g: g.role.value)
    ]


@section("sessions")
def _sessions(user: User) -> Rows:
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )
    return [
        {"browser": s.user_agent, "created_at": iso(s.created_at), "last_seen_at": iso(s.last_seen_at)}
        for s in rows
    ]


@section("actions")
def _actions(user: User) -> Rows:
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.at, AuditEntry.id)
    )
    return [
        {
            "at": iso(a.at),
            "action": a.action,
            "target": f"{a.target_type}:{a.target_id}",
            "before": a.before,
            "after": a.after,
        }
        for a in entries
    ]
