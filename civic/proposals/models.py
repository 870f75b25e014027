"""Proposals, their versions, status history, co-authors, images, private contacts and comments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import District, Edition, Theme

# The statuses live in a pure module (their transitions are rules); re-exported here for the models' users.
from civic.proposals.statuses import NOT_RETAINED, PUBLIC_STATUSES, ProposalStatus  # noqa: F401


class Channel(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"


class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(
            "estimated_cost_cents IS NULL OR estimated_cost_cents >= 0", name="cost_not_negative"
        ),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"
        ),
        # Online proposals have an author account; in-person ones may not (the resident has none).
        CheckConstraint("channel = 'in_person' OR author_id IS NOT NULL", name="online_has_author"),
        Index("ix_proposal_edition_status", "edition_id", "status"),
        Index("ix_proposal_edition_district", "edition_id", "district_id"),
        Index("ix_proposal_edition_submitted", "edition_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 20), default=Channel.ONLINE)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, 20), default=ProposalStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    estimated_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # Lower-case, accent-free copy of the text for the LIKE search used where FTS5 is absent (PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="")
    version_count: Mapped[int] = mapped_column(default=1)
    comment_count: Mapped[int] = mapped_column(default=0)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(40))
    # Set when the in-person resident's private contact was deleted (GDPR retention).
    contact_purged_at: Mapped[datetime | None]
    # Set when this duplicate was merged into another proposal (its page redirects there). No ON DELETE
    # action: SQLite adds the column in place only with an inline reference, which reflects without one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)

    edition: Mapped[Edition] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    district: Mapped[District | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalVersion.number"
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="StatusChange.id"
    )
    coauthors: Mapped[list[CoAuthor]] = relationship(back_populates="proposal", cascade="all, delete-orphan")
    images: Mapped[list[ProposalImage]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalImage.position"
    )
    private_contact: Mapped[InPersonContact | None] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def was_edited(self) -> bool:
        return self.version_count > 1

    def holder_ids(self) -> set[int]:
        """Return the author and accepted co-authors (the people who hold the project)."""
        ids = {c.user_id for c in self.coauthors if c.accepted_at is not None and c.user_id is not None}
        if self.author_id is not None:
            ids.add(self.author_id)
        return ids


class ProposalVersion(db.Model):
    """A snapshot of a proposal's text, kept at every edit (public history)."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number", name="uq_proposal_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    estimated_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    edited_by: Mapped[User | None] = relationship()


class StatusChange(db.Model):
    """A dated step of a proposal's public timeline, with the public reason when not retained."""

    __tablename__ = "proposal_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus, 20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    public_reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    proposal: Mapped[Proposal] = relationship(back_populates="status_changes")


class CoAuthor(db.Model):
    """Someone invited by e-mail to co-author a proposal; counts once accepted.

    ``user_id`` is empty while the address has no account: the invitation becomes the account's
    when a person confirmed with that address accepts it.
    """

    __tablename__ = "proposal_coauthor"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id", name="uq_proposal_coauthor_pair"),
        UniqueConstraint("proposal_id", "invited_email", name="uq_proposal_coauthor_address"),
        CheckConstraint("accepted_at IS NULL OR user_id IS NOT NULL", name="accepted_has_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_email: Mapped[str] = mapped_column(String(254), index=True)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="coauthors")
    user: Mapped[User | None] = relationship()


class ProposalImage(db.Model):
    """An uploaded image, re-encoded and stored under instance/uploads/ with a random name."""

    __tablename__ = "proposal_image"
    __table_args__ = (
        CheckConstraint("position >= 0 AND position < 3", name="at_most_three"),
        UniqueConstraint("proposal_id", "position", name="uq_proposal_image_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    alt_text: Mapped[str] = mapped_column(String(300), default="")

    proposal: Mapped[Proposal] = relationship(back_populates="images")


class InPersonContact(db.Model):
    """Name and contact of a resident who submitted at the town hall: staff-only personal data."""

    __tablename__ = "in_person_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str] = mapped_column(String(300))

    proposal: Mapped[Proposal] = relationship(back_populates="private_contact")


class Comment(db.Model):
    """A comment on a proposal; replies are one level deep (parent has no parent)."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_proposal_created", "proposal_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(40))

    proposal: Mapped[Proposal] = relationship()
    author: Mapped[User | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(back_populates="parent", order_by="Comment.created_at")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
