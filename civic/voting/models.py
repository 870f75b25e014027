"""Vote pools (ballot boxes), the projects on their ballot and counted ballots.

Ballots carry no voter identity (no user id, no voter id): who voted is recorded elsewhere, what was
voted is recorded here, and nothing links the two.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import District, Edition
from civic.proposals.models import Proposal
from civic.voting.ballot_rules import (
    COUNTING_RULES,
    BallotFormat,
    BallotScope,
    DistrictsPerVoter,
    Settings,
)


class VoteType(enum.StrEnum):
    """The ballot kinds of the pabulib format (and of the counting engine)."""

    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"
    SCORING = "scoring"


class BallotChannel(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    IMPORTED = "imported"
    # A paper ballot typed from a polling place's tally sheet (two matching entries, civic.voting.townhall).
    PAPER = "paper"


def _rules_in() -> str:
    return ", ".join(f"'{name}'" for name in COUNTING_RULES)


class BallotSettings(db.Model):
    """An edition's ballot: its format and limits, counting rule and districts; frozen at the first ballot."""

    __tablename__ = "ballot_settings"
    __table_args__ = (
        CheckConstraint(f"counting_rule IN ({_rules_in()})", name="known_counting_rule"),
        CheckConstraint("min_choices IS NULL OR min_choices >= 1", name="min_choices_positive"),
        CheckConstraint(
            "min_choices IS NULL OR max_choices IS NULL OR min_choices <= max_choices",
            name="min_not_above_max",
        ),
        CheckConstraint(
            "ballot_format != 'k_approval' OR (min_choices IS NOT NULL AND max_choices IS NOT NULL)",
            name="k_approval_has_limits",
        ),
        CheckConstraint(
            "min_spend_percent IS NULL OR (min_spend_percent >= 0 AND min_spend_percent <= 100)",
            name="min_spend_percent_range",
        ),
        CheckConstraint("total_points IS NULL OR total_points >= 1", name="total_points_positive"),
        CheckConstraint(
            "max_points_per_project IS NULL OR (max_points_per_project >= 1 AND "
            "(total_points IS NULL OR max_points_per_project <= total_points))",
            name="points_cap_within_total",
        ),
        CheckConstraint(
            "ballot_format != 'cumulative' OR (total_points IS NOT NULL AND max_points_per_project IS NOT NULL)",
            name="cumulative_has_points",
        ),
        CheckConstraint("ranking_length IS NULL OR ranking_length >= 1", name="ranking_length_positive"),
        CheckConstraint(
            "ballot_format != 'ranking' OR ranking_length IS NOT NULL", name="ranking_has_length"
        ),
    )

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    ballot_format: Mapped[BallotFormat] = mapped_column(enum_column(BallotFormat, 20))
    counting_rule: Mapped[str] = mapped_column(String(40))
    scope: Mapped[BallotScope] = mapped_column(enum_column(BallotScope, 20))
    districts_per_voter: Mapped[DistrictsPerVoter] = mapped_column(enum_column(DistrictsPerVoter, 20))
    min_choices: Mapped[int | None]
    max_choices: Mapped[int | None]
    min_spend_percent: Mapped[int | None]
    total_points: Mapped[int | None]
    max_points_per_project: Mapped[int | None]
    ranking_length: Mapped[int | None]
    revote: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    paper_cancels_online: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    edition: Mapped[Edition] = relationship()

    def rules(self) -> Settings:
        """Return the settings as the pure rules read them."""
        return Settings(
            ballot_format=self.ballot_format,
            counting_rule=self.counting_rule,
            scope=self.scope,
            districts_per_voter=self.districts_per_voter,
            min_choices=self.min_choices,
            max_choices=self.max_choices,
            min_spend_percent=self.min_spend_percent,
            total_points=self.total_points,
            max_points_per_project=self.max_points_per_project,
            ranking_length=self.ranking_length,
            revote=self.revote,
            paper_cancels_online=self.paper_cancels_online,
        )


class VotePool(db.Model):
    """A ballot box: the whole edition (no district) or one district of it, with its own budget."""

    __tablename__ = "vote_pool"
    __table_args__ = (
        UniqueConstraint("edition_id", "district_id", name="uq_vote_pool_edition_district"),
        # NULLs are distinct in a unique constraint: the edition-wide pool needs its own unique index.
        Index(
            "uq_vote_pool_edition_wide",
            "edition_id",
            unique=True,
            sqlite_where=text("district_id IS NULL"),
            postgresql_where=text("district_id IS NULL"),
        ),
        CheckConstraint("budget_cents >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    # BigInteger: real budgets reach 10^9 (Budapest), i.e. 10^11 cents.
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    vote_type: Mapped[VoteType] = mapped_column(enum_column(VoteType, 20))
    # The pabulib META `rule` (greedy, equalshares/add1, ...), used by the `official` counting rule.
    rule: Mapped[str | None] = mapped_column(String(80))
    # The whole pabulib META section as [key, value] pairs, in file order.
    meta: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # The file a pool was imported from (a real election from Pabulib); None for a vote held in Civic.
    source: Mapped[str | None] = mapped_column(String(200))
    # The PROJECTS and VOTES headers in pabulib order (with the extra columns), so export keeps them.
    project_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    voter_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edition: Mapped[Edition] = relationship()
    district: Mapped[District | None] = relationship()
    projects: Mapped[list[VotePoolProject]] = relationship(
        back_populates="pool", cascade="all, delete-orphan", order_by="VotePoolProject.position"
    )


class VotePoolProject(db.Model):
    """A proposal on a pool's ballot, in ballot order, with its pabulib id and exact cost."""

    __tablename__ = "vote_pool_project"
    __table_args__ = (
        UniqueConstraint("pool_id", "external_id", name="uq_vote_pool_project_external_id"),
        UniqueConstraint("pool_id", "position", name="uq_vote_pool_project_position"),
        UniqueConstraint("pool_id", "proposal_id", name="uq_vote_pool_project_proposal"),
        CheckConstraint("cost_cents >= 0", name="cost_not_negative"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("vote_pool.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    external_id: Mapped[str] = mapped_column(String(80))
    cost_cents: Mapped[int] = mapped_column(BigInteger)
    # The other PROJECTS cells by column name (votes, score, selected, category, name...), None = no value.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    pool: Mapped[VotePool] = relationship(back_populates="projects")
    proposal: Mapped[Proposal] = relationship()


def new_ballot_id() -> bytes:
    """Return a ballot's id: 16 random bytes (never autoincrement, UUIDv7 or ULID, which embed order or time)."""
    return secrets.token_bytes(16)


class Ballot(db.Model):
    """One ballot in a box: a random id and what was voted, and nothing that points to a person or a moment.

    Who voted is recorded on the identity side (roll and participation), what was voted here, and no
    column joins the two: no voter or user id, no officer, no address, no time (design: voting.md, "Two
    sides that never join"). Imported ballots follow the same rule. On SQLite the table is WITHOUT ROWID,
    so its physical order follows the random key, not the order ballots were written.
    """

    __tablename__ = "ballot"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True, default=new_ballot_id)
    pool_id: Mapped[int] = mapped_column(ForeignKey("vote_pool.id", ondelete="CASCADE"), index=True)
    channel: Mapped[BallotChannel] = mapped_column(enum_column(BallotChannel, 20))
    # Other pabulib VOTES cells (age, sex, voting_method...), never a voter id; None when there are none.
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The ballot as cast ({"vote": [...], "points": [...] | None}), kept only when it named a project
    # more than once: the choices count it once, export writes it back as it was.
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A ballot cast in Civic: its tracker (civic.voting.board.tracker) and the board batch that sealed it.
    # Imported ballots have neither. The batch number is public: it tells nothing finer than the batch.
    tracker: Mapped[str | None] = mapped_column(String(16), unique=True)
    batch: Mapped[int | None]
    # Replaced by a later ballot of the same person (revote, or a vote in person that cancels an online
    # one): kept on the board and in the box, never counted.
    superseded: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    choices: Mapped[list[BallotChoice]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotChoice.position"
    )


class BallotChoice(db.Model):
    """A project named on a ballot (once): where it was named, its points (cumulative) or rank (ordinal, 1 = best).

    Keyed by (ballot, project) and WITHOUT ROWID on SQLite, like the ballot: no row number records the
    order in which choices were written.
    """

    __tablename__ = "ballot_choice"
    __table_args__ = (
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        {"sqlite_with_rowid": False},
    )

    ballot_id: Mapped[bytes] = mapped_column(
        LargeBinary(16), ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True
    )
    vote_pool_project_id: Mapped[int] = mapped_column(
        ForeignKey("vote_pool_project.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Where the project stands on the ballot as cast (0 = first named): ballot order, not write order.
    position: Mapped[int]
    points: Mapped[int | None]
    rank: Mapped[int | None]

    ballot: Mapped[Ballot] = relationship(back_populates="choices")
    project: Mapped[VotePoolProject] = relationship()


class PooledBallot(db.Model):
    """An online ballot waiting for the mixer: written in the same transaction as its participation.

    Holds what the ballot will hold (its future random id, the choices in ballot order, its tracker) and
    nothing more; the mixer moves pooled ballots into the box in random order, in batches (design:
    voting.md, "Why a mixer"). WITHOUT ROWID on SQLite, like the box.
    """

    __tablename__ = "ballot_pool"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True, default=new_ballot_id)
    pool_id: Mapped[int] = mapped_column(ForeignKey("vote_pool.id", ondelete="CASCADE"), index=True)
    # [[vote_pool_project_id, points or null], ...] in ballot order (best first for rankings).
    choices: Mapped[list[list[int | None]]] = mapped_column(JSON)
    tracker: Mapped[str] = mapped_column(String(16), unique=True)
    superseded: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Online, or in person at a kiosk: the mixer gives the ballot this channel in the box.
    channel: Mapped[BallotChannel] = mapped_column(
        enum_column(BallotChannel, 20),
        default=BallotChannel.ONLINE,
        server_default=BallotChannel.ONLINE.value,
    )


class BallotTag(db.Model):
    """Which ballots a person cast, while the vote is open and only if a later vote may supersede them.

    ``tag`` = HMAC(K_tag of the edition, person_key): without the key file (instance folder, erased at the
    close) a tag names nobody. The rows are deleted at the close and the table rewritten (design:
    voting.md, ``ballot_tag``). ``ballot_id`` is the ballot's id in the pool and then in the box (the
    mixer keeps it), so no foreign key. WITHOUT ROWID on SQLite, like the box.
    """

    __tablename__ = "ballot_tag"
    __table_args__ = {"sqlite_with_rowid": False}

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    ballot_id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)


class VoteKey(db.Model):
    """The public half of an edition's board signing key (Ed25519), published when the vote opens.

    The private half is a file in the instance folder (``civic.voting.mixer.signing_key``), never in the
    database or its backups.
    """

    __tablename__ = "vote_key"

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VoteSeal(db.Model):
    """The close of an edition's vote (scellement): when it ran and the counts it reconciled.

    Written once, by ``civic.voting.sealing.seal_edition``; its presence means the tags are gone, the
    tag key erased, the tables rewritten and the board complete.
    """

    __tablename__ = "vote_seal"

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # {"online_participations", "online_ballots", "in_person_participations", "in_person_ballots",
    #  "paper_ballots", "superseded", "reconciled": bool, "problems": [...]}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BoardBatch(db.Model):
    """One sealed batch of the public board: its ballots' trackers, chained and signed (civic.voting.board).

    Numbered from 1 per edition; the primary key (edition, number) also stops two mixers from sealing the
    same batch twice.
    """

    __tablename__ = "board_batch"
    __table_args__ = (CheckConstraint("number >= 1", name="number_positive"),)

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    trackers: Mapped[list[str]] = mapped_column(JSON)
    previous: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- in person: kiosk tickets, paper tally sheets typed twice, polling-place minutes -------------------


class KioskTicket(db.Model):
    """A one-time ticket for one kiosk ballot: only its hash, the edition and the boxes it opens.

    Issued by the officer who recorded the person's participation at the town hall; it names no person,
    no officer and no moment, and it is deleted when used (and every remaining one when the vote ends).
    WITHOUT ROWID on SQLite, like the ballot side.
    """

    __tablename__ = "kiosk_ticket"
    __table_args__ = (
        CheckConstraint("extra_choices >= 0", name="extra_choices_not_negative"),
        {"sqlite_with_rowid": False},
    )

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    # The boxes the person votes in for sure (their district's, or the whole town's), and the others
    # they may choose (own district plus one): ``extra_choices`` of ``other_pool_ids`` at most.
    pool_ids: Mapped[list[int]] = mapped_column(JSON)
    other_pool_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    extra_choices: Mapped[int] = mapped_column(default=0)


class KioskTicketHolder(db.Model):
    """Who holds an unused kiosk ticket: so that an officer can replace a lost one, and only that one.

    On the identity side (a person key, like the participation): the ticket itself names nobody. The row
    goes with its ticket (ON DELETE CASCADE): when the ticket is used, in the transaction that puts the
    ballot in the pool, and with every unused ticket when the vote ends. Its primary key lets a person
    hold one live ticket at most. No time column; WITHOUT ROWID on SQLite (no order of writing).
    """

    __tablename__ = "kiosk_ticket_holder"
    __table_args__ = (
        ForeignKeyConstraint(
            ["edition_id", "person_key"],
            ["participation.edition_id", "participation.person_key"],
            ondelete="CASCADE",
            name="fk_kiosk_ticket_holder_participation",
        ),
        {"sqlite_with_rowid": False},
    )

    edition_id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_hash: Mapped[str] = mapped_column(
        ForeignKey("kiosk_ticket.code_hash", ondelete="CASCADE"), unique=True
    )


class SheetState(enum.StrEnum):
    TYPING = "typing"  # fewer than two entries
    DIFFERS = "differs"  # two entries that do not match
    ACCEPTED = "accepted"  # two matching entries: its ballots are in the box


class TallySheet(db.Model):
    """A polling place's paper tally sheet for one ballot box (staff work: it names no voter)."""

    __tablename__ = "tally_sheet"
    __table_args__ = (
        UniqueConstraint("pool_id", "place", "number", name="uq_tally_sheet_pool_place_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("vote_pool.id", ondelete="CASCADE"))
    place: Mapped[str] = mapped_column(String(200))
    number: Mapped[int]
    state: Mapped[SheetState] = mapped_column(enum_column(SheetState, 20), default=SheetState.TYPING)
    # The board batch that sealed its ballots, once accepted.
    batch: Mapped[int | None]

    pool: Mapped[VotePool] = relationship()
    entries: Mapped[list[TallySheetEntry]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="TallySheetEntry.position"
    )


class TallySheetEntry(db.Model):
    """One officer's typing of a tally sheet: the paper ballots on it and the blank or spoiled ones."""

    __tablename__ = "tally_sheet_entry"
    __table_args__ = (
        UniqueConstraint("sheet_id", "officer_id", name="uq_tally_sheet_entry_officer"),
        # Two entries per sheet, whatever the race: the second officer's and a third one cannot both be saved.
        UniqueConstraint("sheet_id", "position", name="uq_tally_sheet_entry_position"),
        CheckConstraint("position IN (1, 2)", name="first_or_second"),
        CheckConstraint("blank >= 0", name="blank_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("tally_sheet.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1: the first entry, 2: the second
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Each paper ballot as typed: [[vote_pool_project_id, points or null], ...] in ballot order.
    ballots: Mapped[list[list[list[int | None]]]] = mapped_column(JSON)
    blank: Mapped[int] = mapped_column(default=0)

    sheet: Mapped[TallySheet] = relationship(back_populates="entries")


class PollingMinutes(db.Model):
    """The remarks of a polling place's minutes (procès-verbal); the figures are computed, not stored."""

    __tablename__ = "polling_minutes"

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    place: Mapped[str] = mapped_column(String(200), primary_key=True)
    remarks: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
