"""Read models of the voter roll: its size, its summary per district and source, a resident's standing."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select

from civic.eligibility.hooks import eligibility_hooks
from civic.eligibility.models import Participation, ParticipationChannel, RollLink, RollSource, VoterRollEntry
from civic.eligibility.rules import DistrictReach, Reach, voting_reach
from civic.eligibility.services import vote_window
from civic.extensions import db
from civic.processes.models import Edition


def roll_size(edition_id: int) -> int:
    """Return how many people may vote in the edition (weights counted)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(VoterRollEntry.weight), 0)).where(
                VoterRollEntry.edition_id == edition_id
            )
        )
        or 0
    )


def roll_size_by_district(edition_id: int) -> dict[int | None, int]:
    """Return the roll's size per district (None: entries without a district)."""
    rows = db.session.execute(
        select(VoterRollEntry.district_id, func.sum(VoterRollEntry.weight))
        .where(VoterRollEntry.edition_id == edition_id)
        .group_by(VoterRollEntry.district_id)
    )
    return {district_id: int(total) for district_id, total in rows}


@dataclass(frozen=True)
class SummaryRow:
    district_id: int | None
    name: str | None
    by_source: dict[RollSource, int]
    linked: int

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


def roll_summary(edition: Edition) -> list[SummaryRow]:
    """Return, per district of the edition (and without district), the entries by source and the links."""
    counts: dict[int | None, dict[RollSource, int]] = {}
    for district_id, source, n in db.session.execute(
        select(VoterRollEntry.district_id, VoterRollEntry.source, func.count())
        .where(VoterRollEntry.edition_id == edition.id)
        .group_by(VoterRollEntry.district_id, VoterRollEntry.source)
    ):
        counts.setdefault(district_id, {})[source] = int(n)
    linked = dict(
        db.session.execute(
            select(VoterRollEntry.district_id, func.count())
            .join(
                RollLink,
                (RollLink.edition_id == VoterRollEntry.edition_id)
                & (RollLink.person_key == VoterRollEntry.person_key),
            )
            .where(VoterRollEntry.edition_id == edition.id)
            .group_by(VoterRollEntry.district_id)
        ).all()
    )
    rows = [
        SummaryRow(
            d.district_id, d.district.name, counts.get(d.district_id, {}), int(linked.get(d.district_id, 0))
        )
        for d in sorted(edition.districts, key=lambda d: d.district.name)
    ]
    if None in counts or not edition.districts:
        rows.append(SummaryRow(None, None, counts.get(None, {}), int(linked.get(None, 0))))
    return rows


@dataclass(frozen=True)
class Standing:
    """What the eligibility page tells one resident."""

    linked: bool
    district_id: int | None = None
    reach: Reach | None = None
    participation: Participation | None = None
    person_key: str | None = None


@functools.cache
def _standing_statement() -> Select[tuple[str, int | None, ParticipationChannel | None]]:
    # Built once: every page of the vote and every cast asks for the person's standing. Columns, not
    # entities: making ORM objects of the entry and of a participation (there is none on every cast) cost
    # more than the query.
    return (
        select(VoterRollEntry.person_key, VoterRollEntry.district_id, Participation.channel)
        .join(
            RollLink,
            (RollLink.edition_id == VoterRollEntry.edition_id)
            & (RollLink.person_key == VoterRollEntry.person_key),
        )
        .outerjoin(
            Participation,
            (Participation.edition_id == VoterRollEntry.edition_id)
            & (Participation.person_key == VoterRollEntry.person_key),
        )
        .where(RollLink.edition_id == bindparam("edition_id"), RollLink.user_id == bindparam("user_id"))
    )


def standing(edition: Edition, user_id: int | None, *, with_reach: bool = True) -> Standing:
    """Return whether this account may vote in the edition, where, and whether it already took part.

    ``with_reach=False`` leaves ``reach`` out (None): a town-wide ballot does not need it, and working it
    out reads the edition's districts and its districts rule.
    """
    if user_id is None:
        return Standing(linked=False)
    # One query: the linked roll entry and, if any, the person's participation.
    # On the session's connection (columns only: the ORM's statement handling costs more than the query),
    # after writing whatever the session holds, as the ORM would.
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
    found = (
        db.session.connection()
        .execute(_standing_statement(), {"edition_id": edition.id, "user_id": user_id})
        .one_or_none()
    )
    if found is None:
        return Standing(linked=False)
    person_key, district_id, took_part = found
    participation = db.session.get(Participation, (edition.id, person_key)) if took_part is not None else None
    reach = None
    if with_reach:
        try:
            rule = DistrictReach(eligibility_hooks().districts_rule(edition))
        except ValueError:
            rule = DistrictReach.OWN
        reach = voting_reach(rule, district_id, [d.district_id for d in edition.districts])
    return Standing(
        linked=True,
        district_id=district_id,
        reach=reach,
        participation=participation,
        person_key=person_key,
    )


def vote_has_opened(edition: Edition, now: datetime) -> bool:
    """Tell whether the vote phase has started (the roll's size is public from then on)."""
    window = vote_window(edition)
    return window is not None and now >= window.starts_at
