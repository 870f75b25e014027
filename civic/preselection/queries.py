"""Read models of pre-selection pages: district figures, supportable proposals, published results."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from civic.extensions import db
from civic.preselection.models import (
    DayDecision,
    PreselectionSession,
    QualificationResult,
    QualificationRun,
    Support,
)
from civic.preselection.rules import DistrictFigures
from civic.processes.models import District, Edition
from civic.proposals.models import Proposal, ProposalStatus


def district_figures(edition: Edition, district_id: int | None) -> DistrictFigures:
    """Return the population, participants and envelope a district's threshold may be a share of.

    Edition-wide proposals (no district) use the town's population and the edition's envelope.
    """
    participants = int(
        db.session.scalar(
            select(func.count(func.distinct(Support.supporter_key))).where(
                Support.edition_id == edition.id,
                Support.district_id.is_(None) if district_id is None else Support.district_id == district_id,
            )
        )
        or 0
    )
    if district_id is None:
        return DistrictFigures(
            population=edition.population, participants=participants, envelope_cents=edition.envelope_cents
        )
    share = next((d for d in edition.districts if d.district_id == district_id), None)
    district = share.district if share else db.session.get(District, district_id)
    envelope = share.envelope_cents if share and share.envelope_cents is not None else edition.envelope_cents
    return DistrictFigures(
        population=district.population if district else None,
        participants=participants,
        envelope_cents=envelope,
    )


def supportable_proposals(edition: Edition) -> list[Proposal]:
    """Return the edition's proposals people may support (submitted, visible), by district then title."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.edition_id == edition.id,
                Proposal.status == ProposalStatus.SUBMITTED,
                Proposal.hidden_at.is_(None),
            )
            .options(joinedload(Proposal.district))
            .order_by(Proposal.district_id.is_(None), Proposal.district_id, Proposal.title, Proposal.id)
        )
    )


def supported_ids(edition_id: int, key: str) -> set[int]:
    """Return the ids of the proposals a person supports in an edition."""
    return set(
        db.session.scalars(
            select(Support.proposal_id).where(Support.edition_id == edition_id, Support.supporter_key == key)
        )
    )


@dataclass(frozen=True)
class DistrictResults:
    district: District | None
    results: list[QualificationResult]
    figures: dict[str, object]


def qualification_run(edition_id: int) -> QualificationRun | None:
    """Return the edition's qualification, with its results, proposals and districts."""
    return db.session.scalar(
        select(QualificationRun)
        .where(QualificationRun.edition_id == edition_id)
        .options(
            selectinload(QualificationRun.results).joinedload(QualificationResult.proposal),
            selectinload(QualificationRun.results).joinedload(QualificationResult.district),
        )
    )


def results_by_district(run: QualificationRun) -> list[DistrictResults]:
    """Group a qualification's results by district (edition-wide proposals last), best rank first."""
    groups: dict[int | None, list[QualificationResult]] = {}
    for result in run.results:
        groups.setdefault(result.district_id, []).append(result)
    ordered = sorted(
        groups.items(),
        key=lambda item: (item[0] is None, item[1][0].district.name if item[1][0].district else ""),
    )
    return [
        DistrictResults(
            district=results[0].district,
            results=sorted(results, key=lambda r: (r.rank, r.proposal.title)),
            figures=dict(
                (run.snapshot or {}).get(str(key) if key is not None else "edition", {}).get("figures", {})
            ),
        )
        for key, results in ordered
    ]


def result_for(proposal_id: int) -> QualificationResult | None:
    """Return a proposal's published qualification result, if any."""
    return db.session.scalar(
        select(QualificationResult).where(QualificationResult.proposal_id == proposal_id)
    )


def day_decision_for(proposal_id: int) -> DayDecision | None:
    """Return a pre-selection day's decision on a proposal, if any."""
    return db.session.scalar(
        select(DayDecision)
        .where(DayDecision.proposal_id == proposal_id)
        .options(joinedload(DayDecision.session))
    )


def sessions_of(edition_id: int) -> list[PreselectionSession]:
    """Return the edition's pre-selection days, earliest first."""
    return list(
        db.session.scalars(
            select(PreselectionSession)
            .where(PreselectionSession.edition_id == edition_id)
            .order_by(PreselectionSession.held_at, PreselectionSession.id)
        )
    )
