"""From the analysis to the ballot: an edition's ballot settings, building each ballot, city projects.

Keyword-only, explicit ``actor``, flushed and audited like every service. Nothing here may change once the
first ballot of the edition exists: such an attempt raises ``BallotFrozen``, which carries its audit entry
(the request's transaction is rolled back, the refusal is recorded in its own; see ``record_refusal``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ValidationFailed
from civic.core.town import town_identity
from civic.extensions import db
from civic.processes.models import District, Edition
from civic.processes.phases import PhaseKind
from civic.proposals import hooks
from civic.proposals.models import Proposal, ProposalStatus
from civic.proposals.services import ProposalInput, change_status, record_city_proposal
from civic.voting.ballot_rules import (
    PABULIB_VOTE_TYPE,
    BallotScope,
    Settings,
    normalised,
    pabulib_constraints,
    settings_problems,
)
from civic.voting.labels import problem_message
from civic.voting.models import Ballot, BallotSettings, PooledBallot, VotePool, VotePoolProject, VoteType
from civic.voting.permissions import can_manage_ballot

# A published cost range is "wide" (and shown beside the estimate) when it spans more than a fifth of it.
WIDE_RANGE_SHARE = 5


class BallotFrozen(Conflict):
    """The edition already has ballots: its ballot settings and ballots no longer move."""

    def __init__(self, message: object, *, actor_id: int | None, action: str, edition_id: int, attempt: Any):
        super().__init__(message)
        self.entry = {
            "actor_id": actor_id,
            "action": action,
            "target_type": "edition",
            "target_id": edition_id,
            "after": {"refused": "ballots_exist", "attempt": attempt},
        }


def record_refusal(error: BallotFrozen) -> None:
    """Add the refused attempt to the audit log (call after rolling the attempt back, then commit)."""
    audit.record(**error.entry)


def _ensure_manager(actor: User) -> None:
    if not can_manage_ballot(actor.roles):
        raise PermissionDenied(_l("Only administrators can set up the ballot."))


def edition_has_ballots(edition: Edition) -> bool:
    """Tell whether any ballot exists for the edition: cast, typed or imported, in the box or still in the
    mixer's pool. A ballot waiting in the pool freezes the rules as much as one in the box."""
    in_box = exists().where(Ballot.pool_id == VotePool.id, VotePool.edition_id == edition.id)
    pooled = exists().where(PooledBallot.pool_id == VotePool.id, VotePool.edition_id == edition.id)
    return bool(db.session.scalar(select(in_box | pooled)))


def _ensure_not_frozen(actor: User, edition: Edition, action: str, attempt: Any) -> None:
    if edition_has_ballots(edition):
        raise BallotFrozen(
            _l("Ballots have already been cast in this edition: its ballot can no longer change."),
            actor_id=actor.id,
            action=action,
            edition_id=edition.id,
            attempt=attempt,
        )


def settings_of(edition: Edition) -> BallotSettings | None:
    """Return the edition's ballot settings, None until an administrator saved them."""
    return db.session.get(BallotSettings, edition.id)


def _settings_dict(s: Settings) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in s.__dict__.items()}


def save_settings(*, actor: User, edition: Edition, settings: Settings) -> BallotSettings:
    """Choose the edition's ballot format, limits, counting rule and districts (before the first ballot)."""
    _ensure_manager(actor)
    s = normalised(settings)
    _ensure_not_frozen(actor, edition, "voting.ballot_settings", _settings_dict(s))
    problems = settings_problems(s)
    if problems:
        grouped: dict[str, list[object]] = {}
        for problem in problems:
            grouped.setdefault(problem.field, []).append(problem_message(problem))
        raise InvalidInput(grouped)
    row = settings_of(edition)
    before = _settings_dict(row.rules()) if row else None
    if row is None:
        row = BallotSettings(edition_id=edition.id)
        db.session.add(row)
    for key, value in s.__dict__.items():
        setattr(row, key, value)
    row.updated_by_id = actor.id
    db.session.flush()
    for pool in _built_pools(edition):
        _describe_pool(pool, edition, pool.district, s)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="voting.ballot_settings",
        target_type="edition",
        target_id=edition.id,
        before=before,
        after=_settings_dict(s),
    )
    return row


# --- the ballots of an edition and their candidates -------------------------------------------------


@dataclass(frozen=True)
class BallotSlot:
    """One ballot of an edition: a district's, or the whole edition's (``district`` None)."""

    edition: Edition
    district: District | None
    budget_cents: int | None
    pool: VotePool | None

    @property
    def name(self) -> str:
        return self.district.name if self.district else str(_l("Whole town"))


def _pool_for(edition: Edition, district: District | None) -> VotePool | None:
    where = VotePool.district_id.is_(None) if district is None else VotePool.district_id == district.id
    return db.session.scalar(select(VotePool).where(VotePool.edition_id == edition.id, where))


def _built_pools(edition: Edition) -> list[VotePool]:
    """Return the ballot boxes Civic built for the edition (not the imported ones)."""
    return list(
        db.session.scalars(
            select(VotePool).where(VotePool.edition_id == edition.id, VotePool.source.is_(None))
        )
    )


def ballot_slots(edition: Edition, settings: Settings) -> list[BallotSlot]:
    """Return the ballots the settings call for: one per district of the edition, or one for all."""
    if settings.scope is BallotScope.EDITION:
        return [BallotSlot(edition, None, edition.envelope_cents, _pool_for(edition, None))]
    return [
        BallotSlot(edition, share.district, share.envelope_cents, _pool_for(edition, share.district))
        for share in sorted(edition.districts, key=lambda d: d.district.name)
    ]


def slot_for(edition: Edition, settings: Settings, district_id: int | None) -> BallotSlot:
    """Return the ballot of a district (or the whole edition's, ``district_id`` None) or raise NotFound."""
    for slot in ballot_slots(edition, settings):
        if (slot.district.id if slot.district else None) == district_id:
            return slot
    raise NotFound(_l("This edition has no such ballot."))


@dataclass(frozen=True)
class BallotCost:
    """The cost a proposal goes on the ballot with, and where it comes from."""

    cents: int | None
    source: str  # "analysis" (the published estimate), "proposer" (no analysis), "none"
    low_cents: int | None = None
    high_cents: int | None = None

    @property
    def wide(self) -> bool:
        """Tell whether the analysed range is wide enough to show beside the estimate."""
        if self.low_cents is None or self.high_cents is None or self.cents is None:
            return False
        return (self.high_cents - self.low_cents) * WIDE_RANGE_SHARE > self.cents


def ballot_costs(proposals: Sequence[Proposal]) -> dict[int, BallotCost]:
    """Return each proposal's ballot cost: the analysed estimate, else (no analysis) the proposer's own."""
    ranges = hooks.cost_ranges(proposals)
    costs = {}
    for proposal in proposals:
        analysed = ranges.get(proposal.id)
        if analysed is not None:
            costs[proposal.id] = BallotCost(
                analysed.estimate_cents, "analysis", analysed.low_cents, analysed.high_cents
            )
        elif proposal.estimated_cost_cents is not None:
            costs[proposal.id] = BallotCost(proposal.estimated_cost_cents, "proposer")
        else:
            costs[proposal.id] = BallotCost(None, "none")
    return costs


@dataclass(frozen=True)
class Candidate:
    proposal: Proposal
    cost: BallotCost
    on_ballot: bool


def candidates(slot: BallotSlot) -> list[Candidate]:
    """Return the proposals that may go on this ballot: feasible ones, and those already on it.

    Those already on the ballot come first, in ballot order; the others follow by reference.
    """
    on_ballot = {vpp.proposal_id: vpp.position for vpp in slot.pool.projects} if slot.pool else {}
    query = select(Proposal).where(
        Proposal.edition_id == slot.edition.id,
        Proposal.status.in_([ProposalStatus.FEASIBLE, ProposalStatus.ON_BALLOT]),
        Proposal.hidden_at.is_(None),
    )
    if slot.district is not None:
        query = query.where(Proposal.district_id == slot.district.id)
    proposals = [
        p for p in db.session.scalars(query) if p.status is ProposalStatus.FEASIBLE or p.id in on_ballot
    ]
    proposals.sort(key=lambda p: (p.id not in on_ballot, on_ballot.get(p.id, 0), p.reference))
    costs = ballot_costs(proposals)
    return [Candidate(p, costs[p.id], p.id in on_ballot) for p in proposals]


def unplaced_town_wide(edition: Edition, settings: Settings) -> list[Proposal]:
    """Return the feasible whole-town proposals that no district ballot takes (one ballot per district)."""
    if settings.scope is not BallotScope.PER_DISTRICT:
        return []
    query = select(Proposal).where(
        Proposal.edition_id == edition.id,
        Proposal.status == ProposalStatus.FEASIBLE,
        Proposal.district_id.is_(None),
        Proposal.hidden_at.is_(None),
    )
    return list(db.session.scalars(query.order_by(Proposal.reference)))


# --- building ---------------------------------------------------------------------------------------


def _vote_dates(edition: Edition) -> tuple[str, str]:
    vote = next((p for p in edition.phases if p.kind is PhaseKind.VOTE), None)
    if vote is None:
        return str(edition.year), str(edition.year)
    return _pb_date(vote.starts_at), _pb_date(vote.ends_at)


def _pb_date(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y")


def _describe_pool(pool: VotePool, edition: Edition, district: District | None, settings: Settings) -> None:
    """Write the pool's ballot kind, rule and pabulib META from the edition and its settings."""
    constraints = pabulib_constraints(settings, pool.budget_cents)
    begin, end = _vote_dates(edition)
    meta = {
        "description": f"{edition.name} – {district.name}" if district else edition.name,
        "country": "France",
        "unit": town_identity().name,
        **({"district": district.name} if district else {}),
        "instance": str(edition.year),
        "num_projects": str(len(pool.projects)),
        "num_votes": "0",
        "budget": "0",  # written from the pool's budget on export; here for the order of the keys
        "vote_type": constraints.pop("vote_type"),
        "rule": constraints.pop("rule"),
        "date_begin": begin,
        "date_end": end,
        **constraints,
        "language": "fr",
        "currency": "EUR",
    }
    pool.vote_type = VoteType(PABULIB_VOTE_TYPE[settings.ballot_format])
    pool.rule = meta["rule"]
    pool.meta = [[k, v] for k, v in meta.items()]
    pool.project_columns = ["project_id", "cost", "name"]
    points = pool.vote_type is VoteType.CUMULATIVE
    pool.voter_columns = ["voter_id", "vote", "points"] if points else ["voter_id", "vote"]


def _settings_or_refuse(edition: Edition) -> Settings:
    row = settings_of(edition)
    if row is None:
        raise ValidationFailed(_l("Choose the ballot settings of this edition first."))
    return row.rules()


def _open_pool(slot: BallotSlot, settings: Settings) -> VotePool:
    if slot.budget_cents is None:
        raise ValidationFailed(
            _l("Give the district %(district)s an envelope before building its ballot.", district=slot.name)
        )
    pool = slot.pool
    if pool is None:
        pool = VotePool(
            edition_id=slot.edition.id,
            district_id=slot.district.id if slot.district else None,
            name="",
            budget_cents=slot.budget_cents,
            vote_type=VoteType.APPROVAL,
        )
        db.session.add(pool)
    elif pool.source is not None:
        raise Conflict(_l("This ballot box was imported from a pabulib file: it cannot be rebuilt."))
    pool.name = f"{slot.edition.name} – {slot.name}"[:200]
    pool.budget_cents = slot.budget_cents
    return pool


def _place(pool: VotePool, proposal: Proposal, position: int, cost_cents: int) -> None:
    pool.projects.append(
        VotePoolProject(
            proposal=proposal,
            position=position,
            external_id=proposal.reference,
            cost_cents=cost_cents,
            extra={"name": proposal.title},
        )
    )


def build_ballot(
    *, actor: User, edition: Edition, district_id: int | None, proposal_ids: Sequence[int]
) -> VotePool:
    """Put the chosen feasible proposals on a district's (or the edition's) ballot, in the given order.

    Rebuilding replaces the ballot's list: proposals left out go back to "feasible". Refused once the
    edition has ballots.
    """
    _ensure_manager(actor)
    settings = _settings_or_refuse(edition)
    slot = slot_for(edition, settings, district_id)
    chosen = list(dict.fromkeys(proposal_ids))
    _ensure_not_frozen(actor, edition, "voting.build_ballot", {"district": district_id, "proposals": chosen})
    offered = {c.proposal.id: c for c in candidates(slot)}
    unknown = [pid for pid in chosen if pid not in offered]
    if unknown:
        raise ValidationFailed(_l("Only feasible proposals of this ballot can be put on it."))
    if not chosen:
        raise ValidationFailed(_l("Choose at least one project for the ballot."))
    no_cost = [offered[pid].proposal.reference for pid in chosen if offered[pid].cost.cents is None]
    if no_cost:
        raise ValidationFailed(
            _l(
                "These proposals have no cost yet: %(refs)s. Publish their analysis first.",
                refs=", ".join(no_cost),
            )
        )
    pool = _open_pool(slot, settings)
    before = [(vpp.proposal_id, vpp.cost_cents) for vpp in pool.projects]
    pool.projects.clear()
    try:
        db.session.flush()  # the old rows go before new ones take their positions
        for position, pid in enumerate(chosen):
            candidate = offered[pid]
            _place(pool, candidate.proposal, position, candidate.cost.cents or 0)
        db.session.flush()
    except IntegrityError as exc:
        # Two people building the same ballot at once: the database keeps one ballot box per district.
        raise Conflict(_l("Someone else built this ballot at the same time: reload the page.")) from exc
    for pid, candidate in offered.items():
        proposal = candidate.proposal
        if pid in chosen and proposal.status is ProposalStatus.FEASIBLE:
            change_status(actor=actor, proposal=proposal, status=ProposalStatus.ON_BALLOT)
        elif pid not in chosen and proposal.status is ProposalStatus.ON_BALLOT:
            change_status(actor=actor, proposal=proposal, status=ProposalStatus.FEASIBLE)
    _describe_pool(pool, edition, slot.district, settings)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="voting.build_ballot",
        target_type="vote_pool",
        target_id=pool.id,
        before={"projects": before},
        after={
            "district": district_id,
            "budget_cents": pool.budget_cents,
            "projects": [(vpp.proposal_id, vpp.cost_cents) for vpp in pool.projects],
        },
    )
    return pool


def build_all_ballots(*, actor: User, edition: Edition) -> list[VotePool]:
    """Build every ballot of the edition from all its feasible proposals (for the demo and scripts)."""
    settings = _settings_or_refuse(edition)
    pools = []
    for slot in ballot_slots(edition, settings):
        ids = [c.proposal.id for c in candidates(slot) if c.cost.cents is not None]
        if ids and slot.budget_cents is not None:
            district_id = slot.district.id if slot.district else None
            pools.append(
                build_ballot(actor=actor, edition=edition, district_id=district_id, proposal_ids=ids)
            )
    return pools


# --- city list editions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CityProjectInput:
    title: str
    summary: str
    district_id: int | None
    cost_cents: int


def add_city_project(*, actor: User, edition: Edition, data: CityProjectInput) -> Proposal:
    """Enter one of the city's own projects (a "city list" edition): it goes straight onto its ballot."""
    _ensure_manager(actor)
    if not edition.is_city_list:
        raise Conflict(_l("Only a “city list” edition takes the city's projects directly."))
    settings = _settings_or_refuse(edition)
    _ensure_not_frozen(actor, edition, "voting.city_project", {"title": data.title[:80]})
    if settings.scope is BallotScope.PER_DISTRICT and data.district_id is None:
        raise InvalidInput({"district_id": [_l("Choose the district whose ballot the project goes on.")]})
    slot = slot_for(
        edition, settings, data.district_id if settings.scope is BallotScope.PER_DISTRICT else None
    )
    fields = ProposalInput(
        title=data.title,
        summary=data.summary,
        description=data.summary,
        district_id=data.district_id,
        estimated_cost_cents=data.cost_cents,
    )
    proposal = record_city_proposal(actor=actor, edition=edition, data=fields)
    pool = _open_pool(slot, settings)
    change_status(actor=actor, proposal=proposal, status=ProposalStatus.ON_BALLOT)
    position = max((vpp.position for vpp in pool.projects), default=-1) + 1
    _place(pool, proposal, position, data.cost_cents)
    _describe_pool(pool, edition, slot.district, settings)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="voting.city_project",
        target_type="proposal",
        target_id=proposal.id,
        after={"reference": proposal.reference, "pool": pool.id, "cost_cents": data.cost_cents},
    )
    return proposal


# --- what the public and the timeline read ----------------------------------------------------------


@functools.cache
def _public_pools_statement() -> Select[tuple[VotePool]]:
    # Built once: every cast runs it, and building a select with two joined loads costs more than running it.
    return (
        select(VotePool)
        .where(VotePool.edition_id == bindparam("edition_id"), VotePool.source.is_(None))
        .options(joinedload(VotePool.projects), joinedload(VotePool.district))
    )


def public_pools(edition: Edition) -> list[VotePool]:
    """Return the ballots built for the edition that have projects, districts by name, the whole town first.

    Ballot boxes imported from pabulib files are past elections shown by the results pages, not ballots.
    """
    # One query, the boxes with their projects and district (the vote's pages and every cast read them).
    pools = db.session.scalars(_public_pools_statement(), {"edition_id": edition.id}).unique()
    return sorted(
        (p for p in pools if p.projects),
        key=lambda p: (p.district is not None, p.district.name if p.district else ""),
    )


def ballot_places(proposal: Proposal) -> list[VotePoolProject]:
    """Return where the proposal stands on a ballot (one row per ballot box)."""
    return list(db.session.scalars(select(VotePoolProject).where(VotePoolProject.proposal_id == proposal.id)))
