"""Technical analysis: municipal services, reviews, their analysts, private notes and the holders' replies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.analysis.rules import ReasonCode, ReviewState, Verdict
from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals.models import Proposal

MAX_REPLY_DAYS = 60
DEFAULT_REPLY_DAYS = 10
MAX_DURATION_MONTHS = 240


class MunicipalService(db.Model):
    """A department of the town that analyses proposals (roads, green spaces, buildings…)."""

    __tablename__ = "municipal_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnalysisSettings(db.Model):
    """An edition's analysis settings: how many days the holders have to answer a draft verdict."""

    __tablename__ = "analysis_settings"
    __table_args__ = (
        CheckConstraint(f"reply_days >= 1 AND reply_days <= {MAX_REPLY_DAYS}", name="reply_days_range"),
    )

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    reply_days: Mapped[int] = mapped_column(default=DEFAULT_REPLY_DAYS)

    edition: Mapped[Edition] = relationship()


class Review(db.Model):
    """The technical analysis of one proposal: assignment, verdict, cost range, publication."""

    __tablename__ = "analysis_review"
    __table_args__ = (
        CheckConstraint("cost_low_cents IS NULL OR cost_low_cents >= 0", name="cost_low_not_negative"),
        CheckConstraint(
            "cost_estimate_cents IS NULL OR cost_estimate_cents >= 0", name="cost_estimate_not_negative"
        ),
        CheckConstraint("cost_high_cents IS NULL OR cost_high_cents >= 0", name="cost_high_not_negative"),
        CheckConstraint(
            "cost_low_cents IS NULL OR cost_estimate_cents IS NULL OR cost_low_cents <= cost_estimate_cents",
            name="cost_low_le_estimate",
        ),
        CheckConstraint(
            "cost_estimate_cents IS NULL OR cost_high_cents IS NULL OR cost_estimate_cents <= cost_high_cents",
            name="cost_estimate_le_high",
        ),
        CheckConstraint(
            "cost_low_cents IS NULL OR cost_high_cents IS NULL OR cost_low_cents <= cost_high_cents",
            name="cost_low_le_high",
        ),
        CheckConstraint(
            "first_year_cost_cents IS NULL OR first_year_cost_cents >= 0", name="first_year_not_negative"
        ),
        CheckConstraint(
            "running_cost_cents IS NULL OR running_cost_cents >= 0", name="running_cost_not_negative"
        ),
        CheckConstraint(
            f"duration_months IS NULL OR (duration_months >= 0 AND duration_months <= {MAX_DURATION_MONTHS})",
            name="duration_range",
        ),
        # "Not feasible" always says why, with a code and in words.
        CheckConstraint(
            "verdict IS NULL OR verdict != 'not_feasible' OR reason_code IS NOT NULL",
            name="not_feasible_has_reason",
        ),
        # Once submitted, a review has a verdict; once published, a date.
        CheckConstraint(
            "state NOT IN ('submitted', 'validated', 'published') "
            "OR (verdict IS NOT NULL AND submitted_at IS NOT NULL)",
            name="submitted_has_verdict",
        ),
        CheckConstraint("state != 'published' OR published_at IS NOT NULL", name="published_has_date"),
        CheckConstraint("round >= 0", name="round_not_negative"),
        Index("ix_analysis_review_edition_state", "edition_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState, 20), default=ReviewState.TO_ASSIGN)
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipal_service.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None]
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, 30))
    reason_code: Mapped[ReasonCode | None] = mapped_column(enum_column(ReasonCode, 30))
    public_explanation: Mapped[str] = mapped_column(Text, default="")
    cost_low_cents: Mapped[int | None] = mapped_column(BigInteger)
    cost_estimate_cents: Mapped[int | None] = mapped_column(BigInteger)
    cost_high_cents: Mapped[int | None] = mapped_column(BigInteger)
    first_year_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    running_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    duration_months: Mapped[int | None]
    cost_explanation: Mapped[str] = mapped_column(Text, default="")
    proposed_changes: Mapped[str] = mapped_column(Text, default="")
    # Each submission opens a new reply window: the holders' answer belongs to one round.
    round: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    validated_at: Mapped[datetime | None]
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    proposal: Mapped[Proposal] = relationship()
    edition: Mapped[Edition] = relationship()
    service: Mapped[MunicipalService | None] = relationship()
    analysts: Mapped[list[ReviewAnalyst]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewAnalyst.id"
    )
    notes: Mapped[list[ReviewNote]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewNote.id"
    )
    replies: Mapped[list[ReviewReply]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewReply.round"
    )

    def analyst_ids(self) -> set[int]:
        return {a.user_id for a in self.analysts}

    def current_reply(self) -> ReviewReply | None:
        """Return the holders' answer to the latest submission, if any."""
        return next((r for r in self.replies if r.round == self.round), None)

    @property
    def is_published(self) -> bool:
        return self.state is ReviewState.PUBLISHED


class ReviewAnalyst(db.Model):
    __tablename__ = "analysis_review_analyst"
    __table_args__ = (UniqueConstraint("review_id", "user_id", name="uq_analysis_review_analyst_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("analysis_review.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    review: Mapped[Review] = relationship(back_populates="analysts")
    user: Mapped[User] = relationship()


class ReviewNote(db.Model):
    """A private note between staff on a review: never public, never exported, never shown to the holders."""

    __tablename__ = "analysis_private_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("analysis_review.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    review: Mapped[Review] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class ReviewReply(db.Model):
    """The holders' answer to a submitted draft verdict (one per submission round)."""

    __tablename__ = "analysis_reply"
    __table_args__ = (UniqueConstraint("review_id", "round", name="uq_analysis_reply_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("analysis_review.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    accepts_changes: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    review: Mapped[Review] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()
