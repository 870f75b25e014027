"""Voter roll use cases: settings, in-person checks, account links and participation (émargement).

Keyword-only, explicit ``actor``, permission checked here as in the views, flushed (the view commits),
audited without identifiers. The census import is in ``civic.eligibility.census``, access codes in
``civic.eligibility.codes``.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import Insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.eligibility import keys
from civic.eligibility.hooks import eligibility_hooks
from civic.eligibility.models import (
    DEFAULT_MINIMUM_AGE,
    IN_PERSON_CHANNELS,
    AccessCode,
    Participation,
    ParticipationChannel,
    RollLink,
    RollSettings,
    RollSource,
    VoterRollEntry,
)
from civic.eligibility.permissions import can_check_in_person, can_link_account, can_manage_roll
from civic.eligibility.rules import Birth, old_enough
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.phases import PhaseKind, PhaseWindow

CHANNEL_LABELS = {
    ParticipationChannel.ONLINE: _l("online"),
    ParticipationChannel.TOWN_HALL: _l("at the town hall"),
    ParticipationChannel.PAPER: _l("on paper"),
}


class AlreadyVoted(Conflict):
    """A participation is already recorded for this person in this vote."""

    def __init__(self, existing: Participation) -> None:
        super().__init__(
            _l(
                "This person has already taken part in this vote: %(channel)s, on %(day)s.",
                channel=CHANNEL_LABELS[existing.channel],
                day=format_date(existing.day, "long"),
            )
        )
        self.channel = existing.channel
        self.day = existing.day


class NotOnRoll(ValidationFailed):
    """The person is not on the edition's roll."""


def today() -> date:
    """Return today's date (UTC, as the database's times)."""
    return utcnow().date()


# --- settings and dates ---------------------------------------------------------------------------


def vote_window(edition: Edition) -> PhaseWindow | None:
    """Return the edition's vote phase, if it has one."""
    return next((w for w in edition.calendar if w.kind is PhaseKind.VOTE), None)


def vote_day(edition: Edition) -> date | None:
    """Return the day the vote ends (the last day of its phase): ages are counted on it."""
    window = vote_window(edition)
    return None if window is None else (window.ends_at - timedelta(microseconds=1)).date()


def minimum_age(edition_id: int) -> int | None:
    """Return the edition's minimum voting age (None: no minimum)."""
    settings = db_get_settings(edition_id)
    return DEFAULT_MINIMUM_AGE if settings is None else settings.minimum_voting_age


def db_get_settings(edition_id: int) -> RollSettings | None:
    """Return the edition's stored eligibility settings (None: the defaults)."""
    return db.session.get(RollSettings, edition_id)


def has_participations(edition_id: int) -> bool:
    """Tell whether anyone has taken part yet (the eligibility rules are then frozen)."""
    found = db.session.scalar(
        select(Participation.person_key).where(Participation.edition_id == edition_id).limit(1)
    )
    return found is not None


def set_minimum_age(*, actor: User, edition: Edition, minimum_voting_age: int | None) -> RollSettings:
    """Change the minimum voting age, until the first participation (then the rule never moves)."""
    if not can_manage_roll(actor.roles):
        raise PermissionDenied(_l("Only administrators can change who may vote."))
    settings = db_get_settings(edition.id)
    before = DEFAULT_MINIMUM_AGE if settings is None else settings.minimum_voting_age
    if has_participations(edition.id):
        audit.record(
            actor_id=actor.id,
            action="eligibility.minimum_age_refused",
            target_type="edition",
            target_id=edition.id,
            before={"minimum_voting_age": before},
            after={"minimum_voting_age": minimum_voting_age, "reason": "participations"},
        )
        db.session.flush()
        raise Conflict(_l("People have already voted: the eligibility rules can no longer change."))
    if settings is None:
        settings = RollSettings(edition_id=edition.id)
        db.session.add(settings)
    settings.minimum_voting_age = minimum_voting_age
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="eligibility.minimum_age_set",
        target_type="edition",
        target_id=edition.id,
        before={"minimum_voting_age": before},
        after={"minimum_voting_age": minimum_voting_age},
    )
    return settings


def age_refusal(edition: Edition, birth: Birth) -> object | None:
    """Return why a person is too young to vote in this edition (None: old enough, or no minimum)."""
    minimum = minimum_age(edition.id)
    if minimum is None:
        return None
    day = vote_day(edition)
    if day is None:
        return _l("The edition has no vote phase yet: its end date is needed to check the minimum age.")
    if not old_enough(birth, vote_day=day, minimum_age=minimum):
        return _l(
            "Under the minimum age: %(age)d years on the vote day (%(day)s).",
            age=minimum,
            day=format_date(day, "long"),
        )
    return None


def _district_ids(edition: Edition) -> set[int]:
    return {d.district_id for d in edition.districts}


# --- in person ------------------------------------------------------------------------------------


def add_in_person(
    *, actor: User, edition: Edition, identifier: str, birth_date: date, district_id: int | None
) -> tuple[VoterRollEntry, bool]:
    """Add a person whose document front-desk staff checked; merge with their entry if they have one.

    Returns the entry and whether it already existed (census, earlier visit). Audited without identifiers.
    """
    if not can_check_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can add a person to the roll."))
    if not keys.canonical_identifier(identifier):
        raise ValidationFailed(_l("Give the number of the document or of the census."))
    if district_id is not None and district_id not in _district_ids(edition):
        raise NotFound(_l("This district does not take part in the edition."))
    refusal = age_refusal(edition, Birth(year=birth_date.year, day=birth_date))
    if refusal is not None:
        raise ValidationFailed(refusal)
    key = keys.person_key(identifier)
    entry = db.session.get(VoterRollEntry, (edition.id, key))
    merged = entry is not None
    if entry is None:
        entry = VoterRollEntry(
            edition_id=edition.id, person_key=key, source=RollSource.IN_PERSON, added_on=today()
        )
        db.session.add(entry)
    entry.district_id = district_id
    # Staff saw the document: its full birth date replaces a census's year.
    entry.check_key = keys.check_key(identifier, birth_date=birth_date)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="eligibility.in_person_added",
        target_type="edition",
        target_id=edition.id,
        after={"merged": merged, "district_id": district_id},
    )
    return entry, merged


# --- account links --------------------------------------------------------------------------------


def link_of(edition_id: int, user_id: int) -> RollLink | None:
    """Return the account's link to the edition's roll, if any."""
    return db.session.scalar(
        select(RollLink).where(RollLink.edition_id == edition_id, RollLink.user_id == user_id)
    )


def _ensure_may_link(actor: User, edition: Edition) -> None:
    if not can_link_account(actor.roles):
        raise PermissionDenied(_l("Only residents can link their account to the voter roll."))
    if link_of(edition.id, actor.id) is not None:
        raise Conflict(_l("You have already linked your account to the voter roll of this edition."))


def _link(actor: User, entry: VoterRollEntry, method: str) -> RollLink:
    taken = db.session.scalar(
        select(RollLink.id).where(
            RollLink.edition_id == entry.edition_id, RollLink.person_key == entry.person_key
        )
    )
    if taken is not None:
        raise Conflict(_ALREADY_TAKEN)
    link = RollLink(
        edition_id=entry.edition_id, person_key=entry.person_key, user_id=actor.id, linked_on=today()
    )
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError as exc:  # a simultaneous link won: the unique constraints settle it
        raise Conflict(_ALREADY_TAKEN) from exc
    audit.record(
        actor_id=actor.id,
        action="eligibility.account_linked",
        target_type="edition",
        target_id=entry.edition_id,
        after={"method": method},
    )
    return link


_ALREADY_TAKEN = _l(
    "This entry of the roll is already linked to another account. If that is not you, come to the town hall."
)


def link_with_identifier(*, actor: User, edition: Edition, identifier: str, birth_date: date) -> RollLink:
    """Link the actor's account to their roll entry, found by census identifier and checked by birth date."""
    _ensure_may_link(actor, edition)
    if not keys.canonical_identifier(identifier):
        raise ValidationFailed(_l("Give your identifier as printed on the census letter."))
    key = keys.person_key(identifier)
    entry = db.session.get(VoterRollEntry, (edition.id, key))
    if entry is None:
        raise NotOnRoll(
            _l(
                "This identifier is not on the voter roll. Check it, use an access code, "
                "or come to the town hall with an identity document."
            )
        )
    if entry.check_key is None:
        raise ValidationFailed(_l("This entry cannot be checked online: come to the town hall."))
    if not keys.birth_matches(entry.check_key, identifier, birth_date):
        raise ValidationFailed(_l("The birth date does not match the voter roll."))
    return _link(actor, entry, "identifier")


def normalise_code(code: str) -> str:
    """Return a typed access code as stored: capitals, without spaces or hyphens."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def link_with_code(*, actor: User, edition: Edition, code: str) -> RollLink:
    """Link the actor's account to the roll entry of an access code, which is then used."""
    _ensure_may_link(actor, edition)
    row = db.session.scalar(
        select(AccessCode).where(AccessCode.code_hash == keys.code_hash(normalise_code(code)))
    )
    if row is None or row.edition_id != edition.id:
        raise ValidationFailed(
            _l("This code is unknown. Check it: letters and digits as printed on the letter.")
        )
    if row.used_on is not None:
        raise Conflict(_l("This code has already been used."))
    entry = db.session.get(VoterRollEntry, (edition.id, row.person_key))
    if entry is None:
        raise NotOnRoll(_l("This code is no longer on the voter roll: come to the town hall."))
    link = _link(actor, entry, "access_code")
    row.used_on = today()
    db.session.flush()
    return link


# --- participation --------------------------------------------------------------------------------


def record_participation(
    *,
    actor: User,
    edition: Edition,
    person_key: str,
    channel: ParticipationChannel,
    place: str | None = None,
    day: date | None = None,
) -> Participation:
    """Record that a person on the roll took part (émargement); refuse a second one, whatever the channel.

    Online, the actor is the voter (their linked entry); in person, the actor is the officer. The primary
    key settles a race: the losing transaction gets ``AlreadyVoted`` naming the channel and day that won.
    """
    if channel in IN_PERSON_CHANNELS:
        if not can_check_in_person(actor.roles):
            raise PermissionDenied(_l("Only front-desk staff can record a participation in person."))
        if not (place or "").strip():
            raise ValidationFailed(_l("Give the polling place."))
    else:
        link = link_of(edition.id, actor.id)
        if link is None or link.person_key != person_key:
            raise PermissionDenied(_l("Link your account to the voter roll before voting."))
        place = None
    if db.session.get(VoterRollEntry, (edition.id, person_key)) is None:
        raise NotOnRoll(_l("This person is not on the voter roll."))
    participation = Participation(
        edition_id=edition.id,
        person_key=person_key,
        channel=channel,
        day=day or today(),
        officer_id=actor.id if channel in IN_PERSON_CHANNELS else None,
        place=place.strip() if place else None,
        notices_due=0 if channel in IN_PERSON_CHANNELS else 1,
    )
    existing = db.session.get(Participation, (edition.id, person_key))
    if existing is not None:
        return _replace_online(edition, existing, participation)
    return _insert_participation(participation)


@functools.cache
def _insert_unless_taken(dialect: str) -> Insert:
    # Built once per dialect: SQLite and PostgreSQL both skip a row whose primary key exists already.
    table = Participation.__table__
    insert = sqlite_insert(table) if dialect == "sqlite" else postgresql_insert(table)
    # RETURNING says whether the row was written (psycopg gives no row count for this statement).
    return insert.on_conflict_do_nothing(index_elements=["edition_id", "person_key"]).returning(
        table.c.person_key
    )


def _insert_participation(participation: Participation) -> Participation:
    """Insert a participation; the primary key settles a race: the loser gets ``AlreadyVoted`` (the winner)."""
    return _insert_participation_values(
        {
            "edition_id": participation.edition_id,
            "person_key": participation.person_key,
            "channel": participation.channel,
            "day": participation.day,
            "officer_id": participation.officer_id,
            "place": participation.place,
            "ballots": participation.ballots or 0,
            "notices_due": participation.notices_due or 0,
        }
    )


def _insert_participation_values(values: dict[str, object]) -> Participation:
    """Insert a participation given as its column values (see ``_insert_participation``).

    A Core ``INSERT … ON CONFLICT DO NOTHING`` (on every cast: the unit of work and a savepoint cost more
    than the statement): when another channel's participation won, nothing is written and the winner is
    read. On PostgreSQL the insert waits for a concurrent one of the same person to commit or roll back.
    """
    connection = db.session.connection()
    written = connection.execute(_insert_unless_taken(connection.dialect.name), values).first()
    if written is None:
        key = (values["edition_id"], values["person_key"])
        winner = db.session.get(Participation, key, populate_existing=True)
        if winner is None:  # cannot happen: the conflicting row exists in this transaction's view
            raise Conflict(_l("This participation could not be recorded: try again."))
        raise AlreadyVoted(winner)
    # The row just written, attached to the session as loaded (later reads in the request find it there).
    row = Participation(**values)
    make_transient_to_detached(row)
    db.session.add(row)
    return row


def _replace_online(edition: Edition, existing: Participation, new: Participation) -> Participation:
    """A vote in person over an online one: allowed only where "paper cancels online" still can; else refused.

    The participation row is updated first (its row lock orders this against a revote of the same person),
    then the online ballots are superseded; the participation becomes the in-person one.
    """
    cancel = eligibility_hooks().online_cancellation(edition)
    if (
        cancel is None
        or new.channel not in IN_PERSON_CHANNELS
        or existing.channel != ParticipationChannel.ONLINE
    ):
        raise AlreadyVoted(existing)
    moved = db.session.execute(
        update(Participation)
        .where(
            Participation.edition_id == edition.id,
            Participation.person_key == existing.person_key,
            Participation.channel == ParticipationChannel.ONLINE,
        )
        .values(channel=new.channel, day=new.day, officer_id=new.officer_id, place=new.place, ballots=0)
        .execution_options(synchronize_session=False)
    )
    replaced = db.session.get(Participation, (edition.id, existing.person_key), populate_existing=True)
    if moved.rowcount != 1 or replaced is None:  # type: ignore[attr-defined]
        raise AlreadyVoted(replaced or existing)
    cancel(existing.person_key)
    return replaced


def record_online_participation(
    *, edition: Edition, person_key: str, day: date, ballots: int
) -> Participation:
    """Record the online participation of a person whose standing was read in this transaction.

    The caller has just read, in this same transaction, that the voter's account is linked to this roll
    entry and that the person has no participation yet (``civic.eligibility.queries.standing``); the
    primary key still settles a race with another channel: the loser gets ``AlreadyVoted``. The
    participation waits for its confirmation e-mail (``notices_due``).
    """
    return _insert_participation_values(
        {
            "edition_id": edition.id,
            "person_key": person_key,
            "channel": ParticipationChannel.ONLINE,
            "day": day,
            "officer_id": None,
            "place": None,
            "ballots": ballots,
            "notices_due": 1,
        }
    )


def renew_online_participation(
    *, actor: User, edition: Edition, person_key: str, day: date, ballots: int = 0
) -> Participation:
    """Record a person's new online vote over their earlier one (revote): the participation's day moves on.

    The update comes first in the transaction, so that two revotes of one person queue behind each other's
    row lock before either reads which ballots to supersede. Refused (``AlreadyVoted``) unless the person's
    participation is online and their account is linked to it.
    """
    link = link_of(edition.id, actor.id)
    if link is None or link.person_key != person_key:
        raise PermissionDenied(_l("Link your account to the voter roll before voting."))
    renewed = db.session.execute(
        update(Participation)
        .where(
            Participation.edition_id == edition.id,
            Participation.person_key == person_key,
            Participation.channel == ParticipationChannel.ONLINE,
        )
        .values(day=day, ballots=ballots, notices_due=Participation.notices_due + 1)
        .execution_options(synchronize_session=False)
    )
    participation = db.session.get(Participation, (edition.id, person_key), populate_existing=True)
    if participation is None:
        raise NotOnRoll(_l("This person is not on the voter roll."))
    if renewed.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyVoted(participation)
    return participation


def participation_of(edition_id: int, person_key: str) -> Participation | None:
    """Return a person's participation in the edition's vote, if any."""
    return db.session.get(Participation, (edition_id, person_key))
