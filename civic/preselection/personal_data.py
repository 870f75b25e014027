"""Pre-selection's part of a person's data export: the proposals they support (online or at the desk)."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.personal_data import Rows, iso, section
from civic.extensions import db
from civic.preselection.models import Support


@section("supports")
def _supports(user: User) -> Rows:
    supports = db.session.scalars(select(Support).where(Support.user_id == user.id).order_by(Support.id))
    return [
        {
            "proposal_id": s.proposal_id,
            "proposal": s.proposal.reference,
            "channel": s.channel.value,
            "created_at": iso(s.created_at),
        }
        for s in supports
    ]
