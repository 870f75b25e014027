"""The analysis part of a person's data export: their answers to draft verdicts (never staff notes)."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.personal_data import Rows, iso, section
from civic.analysis.models import Review, ReviewReply
from civic.extensions import db


@section("analysis_replies")
def _replies(user: User) -> Rows:
    rows = db.session.execute(
        select(ReviewReply, Review.proposal_id)
        .join(Review, Review.id == ReviewReply.review_id)
        .where(ReviewReply.author_id == user.id)
        .order_by(ReviewReply.id)
    )
    return [
        {
            "proposal_id": proposal_id,
            "round": answer.round,
            "answer": answer.body,
            "accepts_changes": answer.accepts_changes,
            "created_at": iso(answer.created_at),
            "updated_at": iso(answer.updated_at),
        }
        for answer, proposal_id in rows
    ]
