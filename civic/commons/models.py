"""The co-budget's ledger as stored: accounts with cached balances, journals, postings, pending transfers.

The rules are ``civic.commons.ledger_rules``; here the database enforces them itself, whatever the code
above does: two ``CHECK`` constraints per account make an overdraft or an over-funding impossible under any
concurrency, postings cannot be updated or deleted, a journal is posted only if its postings sum to zero
per unit, a posted journal's content cannot change, and a journal is reversed at most once (a unique
``reverses_id``). The triggers are plain DDL attached to the tables (``civic.commons.ddl``), so that the
migrations and ``db.create_all()`` (tests) create the same ones on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.commons import ddl
from civic.commons.ledger_rules import GENESIS, Unit
from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db


class AccountKind(enum.StrEnum):
    EXTERNAL = "external"  # the outside world: money and time come from it (its balance goes negative)
    FUNDER = "funder"
    ROUND_POOL = "round_pool"
    MEMBER_WALLET = "member_wallet"
    PROJECT_FUNDING = "project_funding"
    DELEGATION_EARMARK = "delegation_earmark"
    MATCHING_POOL = "matching_pool"
    MEMBER_OFFER = "member_offer"  # time, skills or venues a member offers
    PROJECT_NEED = "project_need"  # a project's non-money need
    CAMPAIGN = "campaign"  # what a crowdfunding campaign raised from outside, held until its deadline


class JournalStatus(enum.StrEnum):
    DRAFT = "draft"
    POSTED = "posted"


class PendingState(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


class LedgerAccount(db.Model):
    """An account of one unit; ``balance`` is a cache of its postings, guarded by the CHECKs."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint("floor IS NULL OR balance - pending_out >= floor", name="within_floor"),
        CheckConstraint("cap IS NULL OR balance + pending_in <= cap", name="within_cap"),
        CheckConstraint("pending_out >= 0 AND pending_in >= 0", name="pending_not_negative"),
        CheckConstraint("version >= 0", name="version_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, 30))
    # Who or what owns it, by kind (a user, a round, a project, a delegation); none for the outside world.
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit: Mapped[Unit] = mapped_column(enum_column(Unit, 20))
    label: Mapped[str] = mapped_column(String(200), default="")
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_out: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_in: Mapped[int] = mapped_column(BigInteger, default=0)
    floor: Mapped[int | None] = mapped_column(BigInteger)
    cap: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(default=0)


class LedgerJournal(db.Model):
    """One business event; posted once, never changed, reversed at most once."""

    __tablename__ = "ledger_journal"
    __table_args__ = (
        UniqueConstraint("reverses_id", name="uq_ledger_journal_reverses"),
        UniqueConstraint("idempotency_key", name="uq_ledger_journal_idempotency_key"),
        CheckConstraint("reverses_id IS NULL OR reverses_id < id", name="reverses_an_earlier_journal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[JournalStatus] = mapped_column(enum_column(JournalStatus, 10), default=JournalStatus.DRAFT)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delegation_id: Mapped[int | None] = mapped_column(Integer)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_journal.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    memo: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    previous_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class LedgerPosting(db.Model):
    """One leg of a posted journal: immutable (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "ledger_posting"
    __table_args__ = (
        UniqueConstraint("account_id", "account_version", name="uq_ledger_posting_account_version"),
        CheckConstraint("amount != 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("ledger_journal.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    account_version: Mapped[int]
    balance_after: Mapped[int] = mapped_column(BigInteger)


class LedgerPending(db.Model):
    """A two-phase transfer (a pledge, a matching reservation): pending, then posted, voided or expired."""

    __tablename__ = "ledger_pending"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("posted_amount >= 0 AND posted_amount <= amount", name="posted_within_amount"),
        # A double-clicked pledge form reserves once (an index: SQLite cannot add a constraint in place).
        Index("uq_ledger_pending_idempotency_key", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[PendingState] = mapped_column(enum_column(PendingState, 10), default=PendingState.PENDING)
    posted_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime | None]
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_journal.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))


class LedgerHead(db.Model):
    """One row: the last posted journal and its hash (every posting takes this row first)."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    last_journal_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


# --- rounds and projects ---------------------------------------------------------------------------------


class RoundState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ProjectState(enum.StrEnum):
    OPEN = "open"  # taking contributions
    FUNDED = "funded"  # reached its maximum, or its minimum at the close
    FAILED = "failed"  # below its minimum at the close: every contribution was given back
    CANCELLED = "cancelled"  # cancelled by the organiser: every contribution was given back


class ProjectStage(enum.StrEnum):
    """Cooperative calls for projects: candidates are pre-selected (with seed funding), then selected or not."""

    CANDIDATE = "candidate"
    PRESELECTED = "preselected"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"


class CampaignState(enum.StrEnum):
    OPEN = "open"
    SUCCEEDED = "succeeded"  # the target was reached by the deadline: the money stays with the project
    FAILED = "failed"  # missed: every backer's payment was reversed


class CrowdfundingCampaign(db.Model):
    """A project's all-or-nothing crowdfunding campaign: a target, a deadline 20 to 90 days after it opens.

    Backers' payments (recorded by the organiser as received: no payment provider) go to the campaign's own
    account; at the deadline the campaign succeeds with the target reached, or every payment is reversed.
    """

    __tablename__ = "commons_campaign"
    __table_args__ = (
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint("closes_on > opens_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("commons_project.id"), index=True)
    target: Mapped[int] = mapped_column(BigInteger)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    state: Mapped[CampaignState] = mapped_column(enum_column(CampaignState, 10), default=CampaignState.OPEN)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoBudgetRound(db.Model):
    """A co-budget round (tour de co-budget): funders fill its pool, the organiser allocates it to members."""

    __tablename__ = "cobudget_round"
    __table_args__ = (
        CheckConstraint("member_project_cap IS NULL OR member_project_cap > 0", name="member_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[RoundState] = mapped_column(enum_column(RoundState, 10), default=RoundState.OPEN)
    # At most this much of one member's allocation may go to one project (None: no limit).
    member_project_cap: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outside_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    pool_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    # Delegation: whether members may hand their allocation to another member, and the most one delegate may
    # hold from others at once (None: no limit), so that no one gathers the whole round.
    allows_delegation: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    delegate_cap: Mapped[int | None] = mapped_column(BigInteger)
    # Matching funds (None: no matching): ratio num/den of each contribution, capped per contribution, per
    # member and per project, reserved from the matching pool at each contribution, posted at the close.
    match_num: Mapped[int | None] = mapped_column(Integer)
    match_den: Mapped[int | None] = mapped_column(Integer)
    match_contribution_cap: Mapped[int | None] = mapped_column(BigInteger)
    match_member_cap: Mapped[int | None] = mapped_column(BigInteger)
    match_project_cap: Mapped[int | None] = mapped_column(BigInteger)
    matching_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))


class Delegation(db.Model):
    """A member's allocation (or part of it) handed to another member: its money sits in an earmark account.

    ``origin_id`` is the member whose allocation it was; ``truster_id`` the one who handed it on (the origin,
    or a delegate re-delegating, depth at most 3); ``project_id`` limits it to one project and ``theme`` to
    the projects of one of the call's themes (neither: the whole round).
    Revoking moves what is left back to where it came from; past contributions stay.
    """

    __tablename__ = "cobudget_delegation"
    __table_args__ = (
        CheckConstraint("truster_id <> delegate_id", name="not_to_oneself"),
        CheckConstraint("depth BETWEEN 1 AND 3", name="depth_1_to_3"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("cobudget_round.id"), index=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    truster_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cobudget_delegation.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("commons_project.id"))
    theme: Mapped[str | None] = mapped_column(String(80))
    depth: Mapped[int] = mapped_column(Integer)
    source_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    earmark_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class RoundMember(db.Model):
    """A member of a round and their wallet (their allocation)."""

    __tablename__ = "cobudget_member"

    round_id: Mapped[int] = mapped_column(ForeignKey("cobudget_round.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    wallet_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)


class CommonsProject(db.Model):
    """A project of a round: its money goes to its funding account, capped at its maximum goal."""

    __tablename__ = "commons_project"
    __table_args__ = (
        CheckConstraint("minimum >= 0 AND maximum >= minimum AND maximum > 0", name="goals_ordered"),
        Index("uq_commons_project_creation_key", "creation_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("cobudget_round.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[ProjectState] = mapped_column(enum_column(ProjectState, 10), default=ProjectState.OPEN)
    stage: Mapped[ProjectStage] = mapped_column(
        enum_column(ProjectStage, 20),
        default=ProjectStage.CANDIDATE,
        server_default=ProjectStage.CANDIDATE.value,
    )
    minimum: Mapped[int] = mapped_column(BigInteger)  # the sum of its budget lines' minimums (cents)
    maximum: Mapped[int] = mapped_column(BigInteger)  # the sum of their maximums: the funding account's cap
    funding_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the holder says of it (the appel à communs' "start a new project"); plain text, shown escaped.
    summary: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[str] = mapped_column(Text, default="")
    ways_of_acting: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    governance: Mapped[str] = mapped_column(Text, default="")
    commons_rules: Mapped[str] = mapped_column(Text, default="")
    citizen_involvement: Mapped[str] = mapped_column(Text, default="")
    animation: Mapped[str] = mapped_column(Text, default="")
    # The idempotency key of the form that started it: the same form posted twice starts one project.
    creation_key: Mapped[str | None] = mapped_column(String(80))
    theme: Mapped[str | None] = mapped_column(String(80))  # one of the call's themes, if it has any


class ProjectFollower(db.Model):
    """Someone who wants an e-mail when one of the project's needs is filled or when it is funded."""

    __tablename__ = "commons_follower"

    project_id: Mapped[int] = mapped_column(ForeignKey("commons_project.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


MAX_THEMES = 20
THEME_LENGTH = 80


def themes_of(text: str) -> list[str]:
    """The themes written one per line: trimmed, empty lines and repeats left out, at most ``MAX_THEMES``."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        theme = " ".join(line.split())[:THEME_LENGTH]
        if theme and theme not in seen:
            seen.append(theme)
    return seen[:MAX_THEMES]


class CommonsCall(db.Model):
    """An appel à communs: the défi, the deliverable rules, its dates and the co-budget round attached to it."""

    __tablename__ = "commons_call"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # The défi: the problem, what an acceptable solution looks like (cost, externalities), the territory.
    problem: Mapped[str] = mapped_column(Text, default="")
    solution_traits: Mapped[str] = mapped_column(Text, default="")
    territory: Mapped[str] = mapped_column(Text, default="")
    # The deliverable rules: a licence per kind of deliverable, the community and governance of the commons.
    code_licence: Mapped[str] = mapped_column(String(40), default="")
    data_licence: Mapped[str] = mapped_column(String(40), default="")
    content_licence: Mapped[str] = mapped_column(String(40), default="")
    hardware_licence: Mapped[str] = mapped_column(String(40), default="")
    community_rules: Mapped[str] = mapped_column(Text, default="")
    governance_rules: Mapped[str] = mapped_column(Text, default="")
    # The call's themes, one per line (optional): a project picks one, a delegation may be limited to one.
    themes: Mapped[str] = mapped_column(Text, default="", server_default="")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    round_id: Mapped[int] = mapped_column(ForeignKey("cobudget_round.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def theme_list(self) -> list[str]:
        return themes_of(self.themes)

    # Loaded with the call (one query for both): nearly every page and action of a call reads its round.
    cobudget_round: Mapped[CoBudgetRound] = relationship(lazy="joined", viewonly=True)


class BudgetLineRow(db.Model):
    """One budget line of a project: what it pays for, its minimum and its maximum (cents)."""

    __tablename__ = "commons_budget_line"
    __table_args__ = (CheckConstraint("minimum >= 0 AND maximum >= minimum", name="bounds_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("commons_project.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    minimum: Mapped[int] = mapped_column(BigInteger)
    maximum: Mapped[int] = mapped_column(BigInteger)


class CommonsNeed(db.Model):
    """A project's non-money need: hours of a skill (minutes) or items (venue-days), its account capped at it."""

    __tablename__ = "commons_need"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("skill_level IS NULL OR skill_level BETWEEN 1 AND 3", name="skill_level_1_to_3"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("commons_project.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit, 20))
    quantity: Mapped[int] = mapped_column(BigInteger)
    skill_level: Mapped[int | None]  # 1-3 for time: the indicative value is 1-3 x the SMIC hourly rate
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)


# After every table exists (the triggers read several of them): create_all and the test databases.
for _statement in ddl.statements():
    event.listen(db.metadata, "after_create", _statement)
