"""Support rules, supports, qualification results and pre-selection days (kept apart from ``Edition``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db
from civic.preselection.rules import Reason, SupportMode, ThresholdKind, TieRule, WithdrawalPolicy
from civic.processes.models import District, Edition
from civic.proposals.models import Channel, Proposal


class SupportRule(db.Model):
    """An edition's support rule: the row without district is the default, a district row overrides it.

    The person-level settings (cap, number of districts, eligibility, mode) are the edition's: only the
    default row's count. A district row overrides what qualification reads (threshold, guaranteed minimum,
    tie rule) and the withdrawal policy. Frozen once the edition has its first support.
    """

    __tablename__ = "support_rule"
    __table_args__ = (
        UniqueConstraint("edition_id", "district_id", name="uq_support_rule_edition_district"),
        # NULLs are distinct in a unique constraint: the edition's default row gets its own partial index.
        Index(
            "uq_support_rule_edition_default",
            "edition_id",
            unique=True,
            sqlite_where=text("district_id IS NULL"),
            postgresql_where=text("district_id IS NULL"),
        ),
        CheckConstraint("per_person_cap >= 1 AND per_person_cap <= 100", name="cap_range"),
        CheckConstraint("max_districts IS NULL OR max_districts >= 1", name="max_districts_positive"),
        CheckConstraint("threshold_value >= 0", name="threshold_not_negative"),
        CheckConstraint("guaranteed_minimum >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    per_person_cap: Mapped[int] = mapped_column(default=5)
    max_districts: Mapped[int | None]
    threshold_kind: Mapped[ThresholdKind] = mapped_column(
        enum_column(ThresholdKind, 30), default=ThresholdKind.NONE
    )
    threshold_value: Mapped[int] = mapped_column(default=0)
    guaranteed_minimum: Mapped[int] = mapped_column(default=0)
    withdrawal: Mapped[WithdrawalPolicy] = mapped_column(
        enum_column(WithdrawalPolicy, 20), default=WithdrawalPolicy.ALWAYS
    )
    tie_rule: Mapped[TieRule] = mapped_column(enum_column(TieRule, 20), default=TieRule.ALL_TIED)
    random_seed: Mapped[str] = mapped_column(String(120), default="")
    eligible_only: Mapped[bool] = mapped_column(default=True)
    mode: Mapped[SupportMode] = mapped_column(enum_column(SupportMode, 20), default=SupportMode.ONLINE)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship()
    district: Mapped[District | None] = relationship()


class SupporterLock(db.Model):
    """One row per person and edition, updated first in every support transaction.

    The update takes the row lock (PostgreSQL) or the write lock (SQLite) before the person's supports are
    counted, so two simultaneous supports by one person are counted one after the other: the cap holds.
    """

    __tablename__ = "supporter_lock"
    __table_args__ = (UniqueConstraint("edition_id", "supporter_key", name="uq_supporter_lock_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    supporter_key: Mapped[str] = mapped_column(String(80))
    changes: Mapped[int] = mapped_column(default=0)


class Support(db.Model):
    """A person's support for a proposal (one at most: database constraint).

    ``supporter_key`` names the person without personal data: ``u:<account id>``, or ``w:<HMAC>`` for a
    walk-in without an account (see ``civic.preselection.services.walk_in_key``).
    """

    __tablename__ = "support"
    __table_args__ = (
        UniqueConstraint("proposal_id", "supporter_key", name="uq_support_person_proposal"),
        Index("ix_support_edition_supporter", "edition_id", "supporter_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    # Copied from the proposal: how many districts a person supports in is counted without a join.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    supporter_key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 20), default=Channel.ONLINE)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class QualificationRun(db.Model):
    """The qualification of an edition, with the rules and the inputs it was computed from."""

    __tablename__ = "qualification_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), unique=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"<district id or 'edition'>": {"rule": {...}, "figures": {...}, "supports": {"<proposal id>": n}}}
    snapshot: Mapped[Any] = mapped_column(JSON)

    edition: Mapped[Edition] = relationship()
    results: Mapped[list[QualificationResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="QualificationResult.rank"
    )


class QualificationResult(db.Model):
    """One proposal's published outcome: supports, rank, qualified or not and why (and any override)."""

    __tablename__ = "qualification_result"
    __table_args__ = (
        CheckConstraint("rank >= 1 AND rank <= of_count", name="rank_range"),
        CheckConstraint("overridden_at IS NULL OR override_reason IS NOT NULL", name="override_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("qualification_run.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    supports: Mapped[int]
    rank: Mapped[int]
    of_count: Mapped[int]
    computed_qualified: Mapped[bool]
    reason: Mapped[Reason] = mapped_column(enum_column(Reason, 30))
    public_reason: Mapped[str] = mapped_column(Text)
    qualified: Mapped[bool]
    overridden_at: Mapped[datetime | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    run: Mapped[QualificationRun] = relationship(back_populates="results")
    proposal: Mapped[Proposal] = relationship()
    district: Mapped[District | None] = relationship()


class PreselectionSession(db.Model):
    """A pre-selection day: where and when, the jury's size (counted, not named), the minutes."""

    __tablename__ = "preselection_session"
    __table_args__ = (CheckConstraint("jury_size >= 0 AND jury_size <= 10000", name="jury_size_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    jury_size: Mapped[int]
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edition: Mapped[Edition] = relationship()
    decisions: Mapped[list[DayDecision]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="DayDecision.id"
    )
    attachments: Mapped[list[SessionAttachment]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionAttachment.id"
    )


class DayDecision(db.Model):
    """A pre-selection day's decision on one proposal (retained or not, with its public reason)."""

    __tablename__ = "preselection_day_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("preselection_session.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    retained: Mapped[bool]
    public_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[PreselectionSession] = relationship(back_populates="decisions")
    proposal: Mapped[Proposal] = relationship()


class SessionAttachment(db.Model):
    """A file of a pre-selection day (PDF or image), stored under instance/ with a random name."""

    __tablename__ = "preselection_attachment"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("preselection_session.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")

    session: Mapped[PreselectionSession] = relationship(back_populates="attachments")
