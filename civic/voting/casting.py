"""Casting ballots online: one participation and the person's ballots, in one transaction.

The order of the design (voting.md, "Channels"): the roll check, the participation (émargement: the
primary key refuses a second one whatever the channel, whatever the race), then each ballot into the
mixer's pool, with the deadline checked inside the same transaction on the server's clock. Nothing in
the ballot side names the person, and nothing here is audited (an audit entry would tie a person to a
moment next to the pool). The person gets their trackers on screen; the e-mail says only that their
participation was recorded, and on which day.

Revoting (an edition setting, frozen with the others): a person who voted online may vote online again;
their participation's day moves on, their earlier ballots are marked superseded through their tag
(civic.voting.tags) and the new ones are tagged in turn. "Paper cancels online": a participation recorded
in person over an online one supersedes the online ballots (``online_cancellation``, registered as an
eligibility hook). Both work only while the edition's tag key exists, that is until the close.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from civic.accounts.models import User
from civic.core.errors import PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.eligibility import queries as roll
from civic.eligibility.models import Participation, ParticipationChannel
from civic.eligibility.services import AlreadyVoted, record_online_participation, renew_online_participation
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.phases import Action, is_allowed
from civic.proposals.services import PhaseClosed, ensure_can_write
from civic.voting import filling, mixer, tags
from civic.voting.ballot import settings_of
from civic.voting.ballot_rules import BallotScope, Settings, normalised
from civic.voting.models import VotePool


@dataclass(frozen=True)
class Cast:
    """A ballot just cast: the box it is for and its tracker (shown once, never e-mailed)."""

    pool_id: int
    place: str
    tracker: str


def allowed_pools(
    edition: Edition, settings: Settings, pools: Sequence[VotePool], user: User
) -> list[VotePool]:
    """Return the ballot boxes this person may fill in (their district's, one more, or all, per the edition)."""
    s = normalised(settings)
    if s.scope is BallotScope.EDITION:
        return [p for p in pools if p.district_id is None]
    standing = roll.standing(edition, user.id)
    if not standing.linked or standing.reach is None:
        return []
    reach = standing.reach
    if reach.everywhere or reach.extra_choices:
        return [p for p in pools if p.district_id is not None]
    return [p for p in pools if p.district_id in reach.district_ids]


def _check_reach(settings: Settings, standing: roll.Standing, chosen: Sequence[VotePool]) -> None:
    if normalised(settings).scope is BallotScope.EDITION:
        return
    reach = standing.reach
    if reach is None or reach.everywhere:
        return
    others = [p for p in chosen if p.district_id not in reach.district_ids]
    if len(others) > reach.extra_choices:
        raise ValidationFailed(
            _l("You may vote in your own district and in %(num)d other at most.", num=reach.extra_choices)
            if reach.extra_choices
            else _l("You may only vote in your own district.")
        )


def may_revote(edition: Edition, settings: Settings, participation: Participation) -> bool:
    """Tell whether this earlier participation may be followed by a new online ballot (the last one counts)."""
    return settings.revote and participation.channel is ParticipationChannel.ONLINE and tags.has_key(edition)


def online_cancellation(edition: Edition) -> Callable[[str], None] | None:
    """Return how to supersede a person's online ballots when they vote in person, if the edition allows it."""
    row = settings_of(edition)
    if row is None or not row.paper_cancels_online or not tags.has_key(edition):
        return None

    def cancel(person_key: str) -> None:
        tags.supersede(edition, person_key)

    return cancel


def _participate(
    actor: User, edition: Edition, person_key: str, moment: datetime, *, revoting: bool, ballots: int
) -> Participation:
    if not revoting:
        # The standing just read says the account is linked to this entry and the person has not voted.
        return record_online_participation(
            edition=edition, person_key=person_key, day=moment.date(), ballots=ballots
        )
    participation = renew_online_participation(
        actor=actor, edition=edition, person_key=person_key, day=moment.date(), ballots=ballots
    )
    tags.supersede(edition, person_key)
    return participation


def cast_ballots(
    *,
    actor: User,
    edition: Edition,
    settings: Settings,
    ballots: Sequence[tuple[VotePool, filling.Reading]],
    now: datetime | None = None,
) -> list[Cast]:
    """Record the person's participation and put their ballots in the pool; flushed, not committed.

    Refuses (and writes nothing) when the vote is closed, the account is not linked to the roll, the
    person already took part in any channel (unless the edition allows revoting and they voted online:
    their earlier ballots are then superseded), a ballot breaks a rule or is for a box they may not vote in.
    """
    ensure_can_write(actor)
    moment = now or utcnow()
    if not is_allowed(edition.calendar, moment, Action.VOTE, city_list=edition.is_city_list):
        raise PhaseClosed(_l("The vote is closed: no ballot can be cast now."))
    edition_wide = normalised(settings).scope is BallotScope.EDITION
    standing = roll.standing(edition, actor.id, with_reach=not edition_wide)
    if not standing.linked or standing.person_key is None:
        raise PermissionDenied(_l("Link your account to the voter roll before voting."))
    revoting = standing.participation is not None
    if standing.participation is not None and not may_revote(edition, settings, standing.participation):
        raise AlreadyVoted(standing.participation)
    filled = [(pool, reading) for pool, reading in ballots if reading.projects]
    if not filled:
        raise ValidationFailed(_l("Fill in a ballot before casting it."))
    for pool, reading in filled:
        if not filling.basket(settings, pool, reading).ok:
            raise ValidationFailed(_l("A ballot breaks a rule of the vote: go back to it and correct it."))
    _check_reach(settings, standing, [pool for pool, _r in filled])
    _participate(actor, edition, standing.person_key, moment, revoting=revoting, ballots=len(filled))
    cast, ids = [], []
    for pool, reading in filled:
        points = reading.points or (None,) * len(reading.projects)
        pooled = mixer.put_in_pool(pool=pool, choices=list(zip(reading.projects, points, strict=True)))
        place = pool.district.name if pool.district else str(_l("the whole town"))
        cast.append(Cast(pool_id=pool.id, place=place, tracker=pooled.tracker))
        ids.append(pooled.id)
    if settings.tags_ballots:
        tags.remember(edition, standing.person_key, ids)
    db.session.flush()
    return cast
