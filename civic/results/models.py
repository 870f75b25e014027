"""A stored count: rule, parameters, digest of the ballots counted, outcome and explanation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db
from civic.voting.models import VotePool


class RunState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # The worker stopped (restart, crash, killed) before the count finished: it has no result.
    INTERRUPTED = "interrupted"


STANDING = "published_at IS NOT NULL AND withdrawn_at IS NULL"


class TallyRun(db.Model):
    __tablename__ = "tally_run"
    __table_args__ = (
        # One standing published result per ballot box (withdrawn ones stay in the public trail).
        Index(
            "uq_tally_run_published_per_pool",
            "pool_id",
            unique=True,
            sqlite_where=text(STANDING),
            postgresql_where=text(STANDING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("vote_pool.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[RunState] = mapped_column(enum_column(RunState, 20), default=RunState.QUEUED)
    ballots_digest: Mapped[str | None] = mapped_column(String(64))
    ballot_count: Mapped[int | None]
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # Why a count failed, as a code and its values, translated when shown (see results.labels).
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A publication ends by a withdrawal (with its public reason) or by another count replacing it.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("tally_run.id", ondelete="SET NULL"))

    pool: Mapped[VotePool] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    live: Mapped[RunProgress | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def progress(self) -> dict[str, Any] | None:
        """Return how far a long count went: {"steps": increments of the per-voter budget, "per_voter": "…"}."""
        return self.live.progress if self.live is not None else None

    @progress.setter
    def progress(self, value: dict[str, Any] | None) -> None:
        if self.live is None:
            self.live = RunProgress(progress=value)
        else:
            self.live.progress = value

    @property
    def is_standing(self) -> bool:
        """Tell whether this run is the published result in force."""
        return self.published_at is not None and self.withdrawn_at is None

    @property
    def is_finished(self) -> bool:
        return self.state in (RunState.DONE, RunState.FAILED, RunState.CANCELLED, RunState.INTERRUPTED)

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RunProgress(db.Model):
    """How far a count is and when its worker last said it was alive.

    Apart from ``tally_run`` because it changes every second while a count runs and only staff pages show it:
    its writes leave the public page cache alone (``civic.core.content_version.NEUTRAL_TABLES``).
    """

    __tablename__ = "tally_run_progress"

    run_id: Mapped[int] = mapped_column(ForeignKey("tally_run.id", ondelete="CASCADE"), primary_key=True)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The worker (host:pid) counting it, and its last heartbeat: a count whose heartbeat is older than
    # the lease (QUEUE_LEASE_SECONDS) was lost with its worker.
    worker: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None]
