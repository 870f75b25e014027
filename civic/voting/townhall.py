"""The in-person channel of the final vote: the officer's screen, kiosk tickets, paper tally sheets typed twice.

The order of the design (voting.md, "Channels"): an officer checks a document, finds the person on the
roll and records their participation (refused if one exists, whatever the channel); the person then votes
at a kiosk or on paper.

- **Kiosk**: the officer gets a one-time ticket (a short code) stored only as its hash, with the edition
  and the boxes the person votes in: no person, no officer, no moment. The voter types it at the kiosk,
  fills in the same ballot forms as online (``civic.voting.filling``); casting deletes the ticket and puts
  the ballots in the mixer's pool as ``in_person``. Nothing on the kiosk is audited.
- **Paper**: a polling place's tally sheet is typed twice, by two different officers; the app compares the
  two entries; a correction is audited; a matching sheet is accepted and its ballots enter the box as
  ``paper`` with random ids and trackers, sealed on the board by the mixer's own ``seal_ballots``.
- **Minutes**: per polling place, in-person participations against the ballots, with an officer's remarks.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.eligibility import keys
from civic.eligibility.hooks import eligibility_hooks
from civic.eligibility.models import Participation, ParticipationChannel, VoterRollEntry
from civic.eligibility.permissions import can_check_in_person
from civic.eligibility.rules import DistrictReach, voting_reach
from civic.eligibility.services import AlreadyVoted, NotOnRoll, record_participation
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.phases import Action, is_allowed
from civic.proposals.services import PhaseClosed
from civic.voting import ballot as ballot_services
from civic.voting import filling, mixer
from civic.voting.ballot_rules import BallotScope, Settings, normalised
from civic.voting.casting import Cast
from civic.voting.models import (
    Ballot,
    BallotChannel,
    KioskTicket,
    KioskTicketHolder,
    PollingMinutes,
    PooledBallot,
    SheetState,
    TallySheet,
    TallySheetEntry,
    VotePool,
    VoteType,
)

# No 0/O, 1/I/L: a ticket is read aloud and typed by someone in a hurry.
TICKET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TICKET_LENGTH = 10
MAX_SHEET_BALLOTS = 100


class Medium:
    KIOSK = "kiosk"
    PAPER = "paper"


def _ensure_officer(actor: User) -> None:
    if not can_check_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can do this."))


def vote_open(edition: Edition, now: datetime | None = None) -> bool:
    return is_allowed(edition.calendar, now or utcnow(), Action.VOTE, city_list=edition.is_city_list)


def _ensure_open(edition: Edition, now: datetime | None) -> None:
    if not vote_open(edition, now):
        raise PhaseClosed(_l("The vote is closed: no ballot can be cast now."))


def place_of(pool: VotePool) -> str:
    return pool.district.name if pool.district else str(_l("the whole town"))


# --- the officer's screen -------------------------------------------------------------------------


@dataclass(frozen=True)
class Boxes:
    """The boxes a person votes in: ``own`` for sure, and at most ``extra`` of ``others`` (own plus one)."""

    own: list[VotePool]
    others: list[VotePool] = field(default_factory=list)
    extra: int = 0

    @property
    def all(self) -> list[VotePool]:
        return [*self.own, *self.others]


def boxes_for(edition: Edition, settings: Settings, district_id: int | None) -> Boxes:
    """Return the boxes of a roll entry living in ``district_id``, per the edition's districts rule."""
    pools = ballot_services.public_pools(edition)
    if normalised(settings).scope is BallotScope.EDITION:
        return Boxes([p for p in pools if p.district_id is None])
    try:
        rule = DistrictReach(eligibility_hooks().districts_rule(edition))
    except ValueError:
        rule = DistrictReach.OWN
    reach = voting_reach(rule, district_id, [d.district_id for d in edition.districts])
    districts = [p for p in pools if p.district_id is not None]
    if reach.everywhere:
        return Boxes(districts)
    own = [p for p in districts if p.district_id in reach.district_ids]
    others = [p for p in districts if p not in own] if reach.extra_choices else []
    return Boxes(own, others, reach.extra_choices if others else 0)


def find_person(*, actor: User, edition: Edition, identifier: str, birth_date: date) -> VoterRollEntry:
    """Find a person on the roll by the identifier on their document, checked against their birth date."""
    _ensure_officer(actor)
    if not keys.canonical_identifier(identifier):
        raise ValidationFailed(_l("Give the number of the document or of the census."))
    entry = db.session.get(VoterRollEntry, (edition.id, keys.person_key(identifier)))
    if entry is None:
        raise NotOnRoll(
            _l(
                "This person is not on the voter roll. Check the document; if they may vote, "
                "add them to the roll first."
            )
        )
    if entry.check_key is not None and not keys.birth_matches(entry.check_key, identifier, birth_date):
        raise ValidationFailed(_l("The birth date does not match the voter roll."))
    return entry


@dataclass(frozen=True)
class InPerson:
    """A participation just recorded in person: the ticket to give (kiosk) or None (hand a paper ballot)."""

    participation: Participation
    ticket: str | None
    boxes: list[str]


def new_ticket_code() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def normalised_ticket(typed: str) -> str:
    """Return a typed ticket without spaces or dashes, in capitals (O read as 0 is not in the alphabet)."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())[: TICKET_LENGTH * 2]


def shown_ticket(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def ticket_hash(code: str) -> str:
    return hashlib.sha256(f"kiosk-ticket-{normalised_ticket(code)}".encode()).hexdigest()


def record_in_person(
    *,
    actor: User,
    edition: Edition,
    identifier: str,
    birth_date: date,
    medium: str,
    place: str,
    now: datetime | None = None,
) -> InPerson:
    """Record the person's participation at the polling place and, for a kiosk, issue their ticket.

    Refused (nothing written) when the vote is closed, the person is not on the roll or votes in no box,
    or already took part (``AlreadyVoted`` names the channel and day). Flushed, not committed; not audited
    (an audit entry would give the participation a time of day).
    """
    _ensure_officer(actor)
    moment = now or utcnow()
    _ensure_open(edition, moment)
    entry = find_person(actor=actor, edition=edition, identifier=identifier, birth_date=birth_date)
    settings = ballot_services.settings_of(edition)
    boxes = boxes_for(edition, settings.rules(), entry.district_id) if settings else Boxes([])
    if not boxes.all:
        raise ValidationFailed(_l("This person votes in no ballot box: check their district on the roll."))
    channel = ParticipationChannel.TOWN_HALL if medium == Medium.KIOSK else ParticipationChannel.PAPER
    participation = record_participation(
        actor=actor,
        edition=edition,
        person_key=entry.person_key,
        channel=channel,
        place=place,
        day=moment.date(),
    )
    code = (
        _issue_ticket(edition, entry.person_key, boxes) if channel is ParticipationChannel.TOWN_HALL else None
    )
    return InPerson(participation, code, [place_of(p) for p in boxes.all])


def _issue_ticket(edition: Edition, person_key: str, boxes: Boxes) -> str:
    """Write a new ticket for these boxes and who holds it (until it is used); return its code."""
    code = new_ticket_code()
    db.session.add(
        KioskTicket(
            code_hash=ticket_hash(code),
            edition_id=edition.id,
            pool_ids=[p.id for p in boxes.own],
            other_pool_ids=[p.id for p in boxes.others],
            extra_choices=boxes.extra,
        )
    )
    db.session.flush()
    db.session.add(
        KioskTicketHolder(edition_id=edition.id, person_key=person_key, code_hash=ticket_hash(code))
    )
    db.session.flush()
    return code


_TICKET_USED = _l(
    "This person's kiosk ticket has been used: their ballot is in the box, and no new ticket can be given."
)


def replace_ticket(
    *, actor: User, edition: Edition, identifier: str, birth_date: date, now: datetime | None = None
) -> InPerson:
    """Give a new kiosk ticket to a person who lost theirs (or mistyped it away): the old one stops working.

    Only for a participation recorded at the town hall whose ticket is still unused; refused (nothing
    written) otherwise: not yet recorded, recorded for paper or online, or the ticket already used (a
    kiosk using it at the same moment wins or loses on the same row). Audited without naming the person.
    Flushed, not committed.
    """
    _ensure_officer(actor)
    _ensure_open(edition, now or utcnow())
    entry = find_person(actor=actor, edition=edition, identifier=identifier, birth_date=birth_date)
    participation = db.session.get(Participation, (edition.id, entry.person_key))
    if participation is None:
        raise ValidationFailed(_l("This person has not taken part yet: record their participation first."))
    if participation.channel is not ParticipationChannel.TOWN_HALL:
        raise AlreadyVoted(participation)
    held = db.session.scalar(
        select(KioskTicketHolder.code_hash).where(
            KioskTicketHolder.edition_id == edition.id, KioskTicketHolder.person_key == entry.person_key
        )
    )
    # Deleting the old ticket (and, by cascade, who holds it) is what makes it stop working.
    gone = db.session.execute(delete(KioskTicket).where(KioskTicket.code_hash == held)) if held else None
    if gone is None or gone.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_TICKET_USED)
    db.session.expire_all()  # the deleted rows may sit in the session
    settings = ballot_services.settings_of(edition)
    boxes = boxes_for(edition, settings.rules(), entry.district_id) if settings else Boxes([])
    code = _issue_ticket(edition, entry.person_key, boxes)
    audit.record(
        actor_id=actor.id,
        action="voting.kiosk_ticket_replaced",
        target_type="edition",
        target_id=edition.id,
        before=None,
        after={"place": participation.place},
    )
    return InPerson(participation, code, [place_of(p) for p in boxes.all])


# --- the kiosk ------------------------------------------------------------------------------------

_BAD_TICKET = _l("This ticket is unknown or has already been used. Check it, or ask the officer.")


def drop_tickets(edition: Edition) -> int:
    """Delete every ticket of the edition (the vote is over); return how many there were."""
    result = db.session.execute(delete(KioskTicket).where(KioskTicket.edition_id == edition.id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_ticket(edition: Edition, typed: str, now: datetime | None = None) -> KioskTicket:
    """Return the unused ticket typed at the kiosk, or refuse (vote closed, unknown or used ticket)."""
    _ensure_open(edition, now)
    ticket = db.session.get(KioskTicket, ticket_hash(typed)) if normalised_ticket(typed) else None
    if ticket is None or ticket.edition_id != edition.id:
        raise ValidationFailed(_BAD_TICKET)
    return ticket


def ticket_boxes(edition: Edition, ticket: KioskTicket) -> Boxes:
    by_id = {p.id: p for p in ballot_services.public_pools(edition)}
    return Boxes(
        [by_id[i] for i in ticket.pool_ids if i in by_id],
        [by_id[i] for i in ticket.other_pool_ids if i in by_id],
        ticket.extra_choices,
    )


def cast_at_kiosk(
    *,
    edition: Edition,
    settings: Settings,
    typed_ticket: str,
    ballots: Sequence[tuple[VotePool, filling.Reading]],
    now: datetime | None = None,
) -> list[Cast]:
    """Use the ticket and put the ballots in the mixer's pool as in-person ballots; flushed, not committed.

    Refuses (and writes nothing) when the vote is closed, the ticket is unknown or used, a ballot breaks a
    rule or is for a box the ticket does not open. The participation was recorded by the officer.
    """
    ticket = open_ticket(edition, typed_ticket, now)
    boxes = ticket_boxes(edition, ticket)
    filled = [(pool, reading) for pool, reading in ballots if reading.projects]
    if not filled:
        raise ValidationFailed(_l("Fill in a ballot before casting it."))
    for pool, reading in filled:
        if pool not in boxes.all:
            raise ValidationFailed(_l("This ticket does not open this ballot box."))
        if not filling.basket(settings, pool, reading).ok:
            raise ValidationFailed(_l("A ballot breaks a rule of the vote: go back to it and correct it."))
    others = [pool for pool, _r in filled if pool in boxes.others]
    if len(others) > boxes.extra:
        raise ValidationFailed(
            _l("You may vote in your own district and in %(num)d other at most.", num=boxes.extra)
        )
    # Deleting it is using it: of two kiosks typing the same ticket at once, only one deletes a row.
    used = db.session.execute(delete(KioskTicket).where(KioskTicket.code_hash == ticket.code_hash))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationFailed(_BAD_TICKET)
    cast = []
    for pool, reading in filled:
        points = reading.points or (None,) * len(reading.projects)
        pooled = mixer.put_in_pool(
            pool=pool,
            choices=list(zip(reading.projects, points, strict=True)),
            channel=BallotChannel.IN_PERSON,
        )
        cast.append(Cast(pool_id=pool.id, place=place_of(pool), tracker=pooled.tracker))
    return cast


# --- paper tally sheets, typed twice --------------------------------------------------------------


class Prefixed(Mapping[str, object]):
    """A view of a submitted form where ballot ``n``'s fields (``b<n>-project``, ``b<n>-points-<id>``...)
    read as one ballot's fields, so that ``filling.read_form`` reads each paper ballot as it reads one online."""

    def __init__(self, form: Mapping[str, object], prefix: str) -> None:
        self._form = form
        self._prefix = prefix

    def __getitem__(self, key: str) -> object:
        return self._form[self._prefix + key]

    def __iter__(self) -> Iterator[str]:
        n = len(self._prefix)
        return (k[n:] for k in self._form if k.startswith(self._prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def getlist(self, key: str) -> list[object]:
        getlist = getattr(self._form, "getlist", None)
        if callable(getlist):
            return list(getlist(self._prefix + key))
        value = self._form.get(self._prefix + key)
        return list(value) if isinstance(value, list | tuple) else ([] if value is None else [value])


def read_sheet(
    settings: Settings, pool: VotePool, form: Mapping[str, object], count: int
) -> list[filling.Reading]:
    """Read the ``count`` paper ballots typed on a sheet (fields ``b1-…`` to ``b<count>-…``)."""
    return [filling.read_form(settings, pool, Prefixed(form, f"b{n}-")) for n in range(1, count + 1)]


def sheet_problems(
    settings: Settings, pool: VotePool, readings: Sequence[filling.Reading]
) -> dict[int, list[str]]:
    """Return what is wrong with each typed ballot (1-based number → messages); empty: nothing."""
    problems: dict[int, list[str]] = {}
    for n, reading in enumerate(readings, start=1):
        if reading.typing:
            problems[n] = list(reading.typing.values())
        elif not reading.projects:
            problems[n] = [str(_l("This ballot is empty: count it with the blank or spoiled ones."))]
        else:
            wrong = filling.basket(settings, pool, reading).problems
            if wrong:
                problems[n] = list(wrong)
    return problems


def _as_entry(readings: Sequence[filling.Reading]) -> list[list[list[int | None]]]:
    out = []
    for reading in readings:
        points = reading.points or (None,) * len(reading.projects)
        out.append([[p.id, pts] for p, pts in zip(reading.projects, points, strict=True)])
    return out


def entry_readings(pool: VotePool, entry: TallySheetEntry) -> list[filling.Reading]:
    """Read an entry's ballots back as readings (to fill the correction form)."""
    by_id = {p.id: p for p in pool.projects}
    readings = []
    for ballot in entry.ballots:
        projects = tuple(by_id[pid] for pid, _pts in ballot if pid in by_id)
        points = [pts for pid, pts in ballot if pid in by_id]
        has_points = any(p is not None for p in points)
        readings.append(filling.Reading(projects, tuple(int(p or 0) for p in points) if has_points else None))
    return readings


def _validate(settings: Settings, pool: VotePool, readings: Sequence[filling.Reading], blank: int) -> None:
    if len(readings) > MAX_SHEET_BALLOTS:
        raise ValidationFailed(_l("At most %(num)d ballots on one sheet.", num=MAX_SHEET_BALLOTS))
    if blank < 0:
        raise ValidationFailed(_l("The number of blank or spoiled ballots cannot be negative."))
    if sheet_problems(settings, pool, readings):
        raise ValidationFailed(_l("A ballot of the sheet breaks a rule: correct it."))


def find_sheet(edition: Edition, sheet_id: int) -> TallySheet:
    sheet = db.session.get(TallySheet, sheet_id)
    if sheet is None or sheet.edition_id != edition.id:
        raise NotFound(_l("This tally sheet does not exist."))
    return sheet


def type_sheet(
    *,
    actor: User,
    edition: Edition,
    settings: Settings,
    pool: VotePool,
    place: str,
    number: int,
    readings: Sequence[filling.Reading],
    blank: int,
) -> TallySheet:
    """Record one officer's typing of a tally sheet; the second, by another officer, is compared with it.

    Refused when this officer already typed the sheet, when it was typed twice already or accepted, or
    when a ballot breaks a rule. Two matching entries accept the sheet. Flushed, not committed; audited.
    """
    _ensure_officer(actor)
    place = place.strip()
    if not place:
        raise ValidationFailed(_l("Give the polling place."))
    if pool.edition_id != edition.id:
        raise NotFound(_l("This ballot box is not one of this edition."))
    _validate(settings, pool, readings, blank)
    sheet = db.session.scalar(
        select(TallySheet).where(
            TallySheet.pool_id == pool.id, TallySheet.place == place, TallySheet.number == number
        )
    )
    if sheet is None:
        sheet = TallySheet(edition_id=edition.id, pool_id=pool.id, place=place, number=number)
        db.session.add(sheet)
        db.session.flush()
    if sheet.state is SheetState.ACCEPTED:
        raise Conflict(_l("This sheet has already been accepted: its ballots are in the box."))
    if any(e.officer_id == actor.id for e in sheet.entries):
        raise Conflict(
            _l(
                "You have already typed this sheet: a second, different officer must type it. "
                "You may correct your own entry."
            )
        )
    if len(sheet.entries) >= 2:
        raise Conflict(_l("This sheet has already been typed twice: correct one of the entries instead."))
    entry = TallySheetEntry(
        position=len(sheet.entries) + 1, officer_id=actor.id, ballots=_as_entry(readings), blank=blank
    )
    sheet.entries.append(entry)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="voting.paper_sheet_typed",
        target_type="tally_sheet",
        target_id=sheet.id,
        after={
            "place": place,
            "number": number,
            "pool_id": pool.id,
            "ballots": len(readings),
            "blank": blank,
        },
    )
    _settle(actor, edition, sheet)
    return sheet


def correct_entry(
    *,
    actor: User,
    edition: Edition,
    settings: Settings,
    sheet: TallySheet,
    readings: Sequence[filling.Reading],
    blank: int,
) -> TallySheet:
    """Correct the actor's own entry of a sheet not yet accepted (audited, before and after)."""
    _ensure_officer(actor)
    if sheet.state is SheetState.ACCEPTED:
        raise Conflict(_l("This sheet has already been accepted: its ballots are in the box."))
    entry = next((e for e in sheet.entries if e.officer_id == actor.id), None)
    if entry is None:
        raise PermissionDenied(_l("Only the officer who typed an entry can correct it."))
    _validate(settings, sheet.pool, readings, blank)
    before = {"ballots": entry.ballots, "blank": entry.blank}
    entry.ballots = _as_entry(readings)
    entry.blank = blank
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="voting.paper_sheet_corrected",
        target_type="tally_sheet",
        target_id=sheet.id,
        before=before,
        after={"ballots": entry.ballots, "blank": entry.blank},
    )
    _settle(actor, edition, sheet)
    return sheet


def _canonical(pool: VotePool, ballot: list[list[int | None]]) -> tuple[tuple[int, int | None], ...]:
    pairs = tuple((int(pid or 0), pts) for pid, pts in ballot)
    return pairs if pool.vote_type is VoteType.ORDINAL else tuple(sorted(pairs))


def _content(pool: VotePool, ballot: list[list[int | None]]) -> str:
    names = {p.id: p.proposal.title for p in pool.projects}
    parts = []
    for pid, pts in ballot:
        name = names.get(int(pid or 0), "?")
        parts.append(
            ngettext("%(name)s (%(num)d point)", "%(name)s (%(num)d points)", pts, name=name) if pts else name
        )
    return ", ".join(parts) or "—"


def differences(sheet: TallySheet) -> list[str]:
    """Say, in plain words, where the two entries of a sheet differ (empty: they match, or one entry only)."""
    if len(sheet.entries) < 2:
        return []
    first, second = sheet.entries[0], sheet.entries[1]
    found = []
    if first.blank != second.blank:
        found.append(
            str(
                _l(
                    "Blank or spoiled ballots: %(first)d in the first entry, %(second)d in the second.",
                    first=first.blank,
                    second=second.blank,
                )
            )
        )
    if len(first.ballots) != len(second.ballots):
        found.append(
            str(
                _l(
                    "Number of ballots: %(first)d in the first entry, %(second)d in the second.",
                    first=len(first.ballots),
                    second=len(second.ballots),
                )
            )
        )
    for n, (a, b) in enumerate(zip(first.ballots, second.ballots, strict=False), start=1):
        if _canonical(sheet.pool, a) != _canonical(sheet.pool, b):
            found.append(
                str(
                    _l(
                        "Ballot %(n)d: %(first)s in the first entry; %(second)s in the second.",
                        n=n,
                        first=_content(sheet.pool, a),
                        second=_content(sheet.pool, b),
                    )
                )
            )
    return found


def _settle(actor: User, edition: Edition, sheet: TallySheet) -> None:
    if len(sheet.entries) < 2:
        sheet.state = SheetState.TYPING
    elif differences(sheet):
        sheet.state = SheetState.DIFFERS
    else:
        _accept(actor, edition, sheet)
    db.session.flush()


def _accept(actor: User, edition: Edition, sheet: TallySheet) -> None:
    """Put the matching sheet's ballots in the box as anonymous paper ballots, sealed as one board batch."""
    pool = sheet.pool
    by_id = {p.id: p for p in pool.projects}
    ballots = [
        mixer.new_ballot(
            pool=pool,
            choices=[(by_id[int(pid or 0)], pts) for pid, pts in typed],
            channel=BallotChannel.PAPER,
        )
        for typed in sheet.entries[0].ballots
    ]
    sealed = mixer.seal_ballots(edition=edition, ballots=ballots) if ballots else None
    sheet.state = SheetState.ACCEPTED
    sheet.batch = sealed.number if sealed else None
    audit.record(
        actor_id=actor.id,
        action="voting.paper_sheet_accepted",
        target_type="tally_sheet",
        target_id=sheet.id,
        after={"ballots": len(ballots), "blank": sheet.entries[0].blank, "batch": sheet.batch},
    )


def sheets_of(edition: Edition) -> list[TallySheet]:
    return list(
        db.session.scalars(
            select(TallySheet)
            .where(TallySheet.edition_id == edition.id)
            .order_by(TallySheet.place, TallySheet.pool_id, TallySheet.number)
        )
    )


# --- reconciliation and minutes -------------------------------------------------------------------


@dataclass(frozen=True)
class BoxFigures:
    pool: VotePool
    paper_ballots: int
    blank: int


@dataclass(frozen=True)
class PlaceFigures:
    """A polling place's figures for its minutes: participations in person against the paper ballots."""

    place: str
    kiosk_participations: int
    paper_participations: int
    boxes: list[BoxFigures]
    sheets_pending: int
    remarks: str
    problems: list[str]


@dataclass(frozen=True)
class KioskFigures:
    """The kiosk ballots, for the whole edition (a kiosk ballot carries no place: it is anonymous)."""

    participations: int
    unused_tickets: int
    ballots: dict[int, int]  # pool id → kiosk ballots (waiting in the pool or in the box)
    problems: list[str]


def places(edition: Edition) -> list[str]:
    """Return the polling places known to the edition (participations in person, sheets, minutes)."""
    found = set(
        db.session.scalars(
            select(Participation.place).where(
                Participation.edition_id == edition.id, Participation.place.is_not(None)
            )
        )
    )
    found |= set(db.session.scalars(select(TallySheet.place).where(TallySheet.edition_id == edition.id)))
    found |= set(
        db.session.scalars(select(PollingMinutes.place).where(PollingMinutes.edition_id == edition.id))
    )
    return sorted(p for p in found if p)


def _participations(edition: Edition, place: str, channel: ParticipationChannel) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(
                Participation.edition_id == edition.id,
                Participation.place == place,
                Participation.channel == channel,
            )
        )
        or 0
    )


def place_figures(edition: Edition, place: str) -> PlaceFigures:
    """Count a polling place's participations and accepted paper ballots, and flag what does not add up."""
    kiosk = _participations(edition, place, ParticipationChannel.TOWN_HALL)
    paper = _participations(edition, place, ParticipationChannel.PAPER)
    sheets = [s for s in sheets_of(edition) if s.place == place]
    boxes = []
    problems = []
    for pool in ballot_services.public_pools(edition):
        accepted = [s for s in sheets if s.pool_id == pool.id and s.state is SheetState.ACCEPTED]
        ballots = sum(len(s.entries[0].ballots) for s in accepted)
        blank = sum(s.entries[0].blank for s in accepted)
        if accepted:
            boxes.append(BoxFigures(pool, ballots, blank))
        if ballots + blank > paper:
            problems.append(
                str(
                    _l(
                        "Ballot of %(box)s: %(ballots)d paper ballots (blank and spoiled included) for "
                        "%(people)d paper participations.",
                        box=place_of(pool),
                        ballots=ballots + blank,
                        people=paper,
                    )
                )
            )
    pending = sum(1 for s in sheets if s.state is not SheetState.ACCEPTED)
    if pending:
        problems.append(
            ngettext("%(num)d sheet is not accepted yet.", "%(num)d sheets are not accepted yet.", pending)
        )
    minutes = db.session.get(PollingMinutes, (edition.id, place))
    return PlaceFigures(place, kiosk, paper, boxes, pending, minutes.remarks if minutes else "", problems)


def kiosk_figures(edition: Edition) -> KioskFigures:
    participations = int(
        db.session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(
                Participation.edition_id == edition.id,
                Participation.channel == ParticipationChannel.TOWN_HALL,
            )
        )
        or 0
    )
    unused = int(
        db.session.scalar(
            select(func.count()).select_from(KioskTicket).where(KioskTicket.edition_id == edition.id)
        )
        or 0
    )
    counts: dict[int, int] = {}
    for model in (Ballot, PooledBallot):
        rows = db.session.execute(
            select(model.pool_id, func.count())
            .join(VotePool, VotePool.id == model.pool_id)
            .where(VotePool.edition_id == edition.id, model.channel == BallotChannel.IN_PERSON)
            .group_by(model.pool_id)
        )
        for pool_id, n in rows:
            counts[pool_id] = counts.get(pool_id, 0) + int(n)
    problems = []
    voters = participations - unused
    for pool in ballot_services.public_pools(edition):
        if counts.get(pool.id, 0) > voters:
            problems.append(
                str(
                    _l(
                        "Ballot of %(box)s: %(ballots)d kiosk ballots for %(people)d people who used their ticket.",
                        box=place_of(pool),
                        ballots=counts.get(pool.id, 0),
                        people=voters,
                    )
                )
            )
    return KioskFigures(participations, unused, counts, problems)


def save_remarks(*, actor: User, edition: Edition, place: str, remarks: str) -> PollingMinutes:
    """Record the remarks of a polling place's minutes (audited, before and after)."""
    _ensure_officer(actor)
    place = place.strip()
    if place not in places(edition):
        raise NotFound(_l("No participation or sheet is recorded at this polling place."))
    minutes = db.session.get(PollingMinutes, (edition.id, place))
    before = minutes.remarks if minutes else ""
    if minutes is None:
        minutes = PollingMinutes(edition_id=edition.id, place=place)
        db.session.add(minutes)
    minutes.remarks = remarks.strip()
    minutes.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="voting.minutes_remarks",
        target_type="edition",
        target_id=edition.id,
        before={"place": place, "remarks": before},
        after={"place": place, "remarks": minutes.remarks},
    )
    return minutes
