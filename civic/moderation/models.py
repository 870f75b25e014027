"""Reports of proposals and comments, and the decisions taken on them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db


class ReportTarget(enum.StrEnum):
    PROPOSAL = "proposal"
    COMMENT = "comment"


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


class ReportState(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Report(db.Model):
    """One person's report of one piece of content (distinct per reporter)."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "reporter_id", name="uq_report_once_per_reporter"),
        Index("ix_report_state_created", "state", "created_at"),
        Index("ix_report_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[ReportTarget] = mapped_column(enum_column(ReportTarget, 20))
    target_id: Mapped[int]
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason, 20))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState, 20), default=ReportState.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
