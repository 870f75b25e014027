"""The moderation part of a person's data export: the reports they made."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.personal_data import Rows, iso, section
from civic.extensions import db
from civic.moderation.models import Report


@section("reports")
def _reports(user: User) -> Rows:
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))
    return [
        {
            "target": f"{r.target_type.value}:{r.target_id}",
            "reason": r.reason.value,
            "text": r.text,
            "created_at": iso(r.created_at),
            "state": r.state.value,
        }
        for r in reports
    ]
