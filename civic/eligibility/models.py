"""The voter roll of an edition's final vote, access codes, account links and participation (émargement).

No raw identifier, name or birth date is stored: a person is their ``person_key`` (an HMAC keyed with a
secret kept outside the database, see ``civic.eligibility.keys``). Every day is a ``Date``, never a time:
a participation's time of day would help link it to a ballot. A consultation poll will key its own roll
later (a poll id beside ``edition_id``); only the final vote of an edition is built here.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.database import enum_column
from civic.extensions import db

DEFAULT_MINIMUM_AGE = 16


class RollSource(enum.StrEnum):
    CENSUS = "census"
    ACCESS_CODE = "access_code"
    IN_PERSON = "in_person"


class ParticipationChannel(enum.StrEnum):
    ONLINE = "online"
    TOWN_HALL = "town_hall"
    PAPER = "paper"


IN_PERSON_CHANNELS = frozenset({ParticipationChannel.TOWN_HALL, ParticipationChannel.PAPER})


class RollSettings(db.Model):
    """An edition's eligibility settings (its own table, not ``ballot_settings``).

    Why not ``ballot_settings``: that table belongs to ``civic.voting``, which sits above eligibility in the
    layers contract (eligibility could not read it), and its row exists only once the ballot is designed,
    whereas the census list is imported before. A missing row means the defaults (16 years).
    ``minimum_voting_age`` NULL means no minimum.
    """

    __tablename__ = "voter_roll_settings"
    __table_args__ = (
        CheckConstraint(
            "minimum_voting_age IS NULL OR (minimum_voting_age >= 0 AND minimum_voting_age <= 120)",
            name="minimum_age_range",
        ),
    )

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    # No column default: an ORM default would replace an explicit NULL (no minimum) on insert.
    minimum_voting_age: Mapped[int | None]


class VoterRollEntry(db.Model):
    """A person who may vote in an edition's final vote (one row per person: the primary key)."""

    __tablename__ = "voter_roll_entry"
    __table_args__ = (CheckConstraint("weight >= 1", name="weight_positive"),)

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id", ondelete="RESTRICT"), index=True
    )
    weight: Mapped[int] = mapped_column(default=1)
    source: Mapped[RollSource] = mapped_column(enum_column(RollSource, 20))
    # HMAC of identifier and birth date (or year): linking an account checks the birth date without it.
    check_key: Mapped[str | None] = mapped_column(String(64))
    added_on: Mapped[date] = mapped_column(Date)


def _entry_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["edition_id", "person_key"],
        ["voter_roll_entry.edition_id", "voter_roll_entry.person_key"],
        name=f"fk_{table}_roll_entry",
        ondelete="CASCADE",
    )


class AccessCode(db.Model):
    """A single-use access code (only its HMAC), given on a letter to one person on the roll."""

    __tablename__ = "access_code"
    __table_args__ = (_entry_fk("access_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_key: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    used_on: Mapped[date | None] = mapped_column(Date)


class RollLink(db.Model):
    """An account linked to a roll entry: one account per entry and one entry per account, per edition."""

    __tablename__ = "roll_link"
    __table_args__ = (
        UniqueConstraint("edition_id", "user_id", name="uq_roll_link_edition_user"),
        UniqueConstraint("edition_id", "person_key", name="uq_roll_link_edition_person"),
        _entry_fk("roll_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    person_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    linked_on: Mapped[date] = mapped_column(Date)


class Participation(db.Model):
    """That a person took part (émargement), by which channel and on which day: never what they voted.

    The primary key refuses a second participation whatever the channel and whatever the race.
    """

    __tablename__ = "participation"
    __table_args__ = (
        ForeignKeyConstraint(
            ["edition_id", "person_key"],
            ["voter_roll_entry.edition_id", "voter_roll_entry.person_key"],
            # NO ACTION (not RESTRICT): a roll entry that voted stays, yet deleting the edition cascades to both.
            name="fk_participation_roll_entry",
        ),
        CheckConstraint("channel != 'online' OR place IS NULL", name="online_has_no_place"),
        CheckConstraint("ballots >= 0", name="ballots_not_negative"),
        CheckConstraint("notices_due >= 0", name="notices_due_not_negative"),
        # Physical order follows the (keyed, random-looking) person key, not the order people voted.
        {"sqlite_with_rowid": False},
    )

    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[ParticipationChannel] = mapped_column(enum_column(ParticipationChannel, 20))
    day: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    place: Mapped[str | None] = mapped_column(String(200))
    # How many ballots this participation put in the box online (one per district voted in): the close
    # checks that online ballots and online participations agree. 0 in person (kiosk and paper ballots are
    # reconciled per polling place).
    ballots: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # How many online votes of this person still wait for their confirmation e-mail: the worker sends it
    # in batches (civic.voting.notices), never from the cast's request.
    notices_due: Mapped[int] = mapped_column(default=0, server_default=text("0"))
