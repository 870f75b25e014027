"""Helpers shared by the edition tests (admin screens and public pages)."""

from __future__ import annotations

from datetime import datetime

from civic.extensions import db
from civic.processes.models import Edition, Phase
from civic.processes.phases import PhaseKind

XSS = '"><svg onload=alert(1)>'


def edition_payload(token: str, **overrides: str | None) -> dict[str, str]:
    """Return a valid submission of the edition form; ``None`` leaves a field out."""
    data: dict[str, str | None] = {
        "csrf_token": token,
        "name": "Budget participatif 2026",
        "year": "2026",
        "mode": "residents_submit",
        "description": "Une **belle** édition.",
        "rules_text": "Un projet par personne.",
        "envelope": "100 000",
        "population": "22000",
        "investment_budget": "4 000 000",
        "themes": "Nature en ville\nMobilités",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def set_calendar(edition: Edition, calendar: dict[PhaseKind, tuple[datetime, datetime]]) -> None:
    """Replace an edition's phases with these naive-UTC windows."""
    edition.phases.clear()
    db.session.flush()
    for kind, (starts_at, ends_at) in calendar.items():
        edition.phases.append(Phase(kind=kind, starts_at=starts_at, ends_at=ends_at))
    db.session.commit()
