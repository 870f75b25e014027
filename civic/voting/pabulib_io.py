"""Import a pabulib file into an edition (proposals, a vote pool, ballots) and export a pool back.

Parsing and writing the format belong to the pure `civic.tally.pabulib`; this module maps a parsed
`PabulibFile` onto the database and back. Ballots are written with SQLAlchemy Core in chunks (a big
city has 100 000 ballots), everything else through the ORM. Like every service it only flushes: the
CLI command commits once, so a refused file writes nothing.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import insert, or_, select

from civic.core import audit
from civic.core.errors import Conflict, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import District, Edition, EditionDistrict, Phase
from civic.processes.phases import PhaseKind
from civic.proposals.models import Channel, Proposal, ProposalStatus, ProposalVersion, StatusChange
from civic.tally.model import Number
from civic.tally.pabulib import PabulibFile, PabulibProject, PabulibVoter
from civic.voting.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    VotePool,
    VotePoolProject,
    VoteType,
    new_ballot_id,
)
from civic.voting.services import find_edition, from_cents, pool_ballot_rows

CHUNK = 5_000
CITATION = (
    'Data: Pabulib (pabulib.org), D. Stolicki, S. Szufa, N. Talmon, "Pabulib: A Participatory Budgeting '
    'Library", arXiv:2012.06539.'
)
# pabulib `selected`: 1 = selected by the rule, 2 = special provision, 3 = reserves; 0 = not funded.
FUNDED = frozenset({"1", "2", "3"})
# How long an imported election stays open for publishing its count.
IMPORTED_RESULTS_PHASE = timedelta(days=365)
# Amounts are stored as BigInteger cents.
MAX_CENTS = 2**63 - 1
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d|21\d\d)(?!\d)")


class PabulibImportError(ValidationFailed):
    """The file is valid pabulib but cannot be stored as is (e.g. an amount finer than a cent)."""


def to_cents(value: Number, what: str) -> int:
    """Return an exact amount as integer cents; refuse anything finer than a cent."""
    cents = Fraction(value) * 100
    if cents.denominator != 1:
        raise PabulibImportError(f"{what} is {float(value)!r}: amounts finer than a cent are not supported")
    if not 0 <= cents <= MAX_CENTS:
        raise PabulibImportError(f"{what} does not fit the database (0 to {MAX_CENTS} cents)")
    return int(cents)


def slugify(name: str) -> str:
    """Return an ASCII, lower-case, dash-separated slug."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split()) or "pb"


def import_pabulib(
    pb: PabulibFile,
    *,
    source_name: str,
    edition_ref: str | None = None,
    district_name: str | None = None,
) -> VotePool:
    """Store a parsed pabulib file: edition (new, or `edition_ref`), proposals, vote pool, ballots."""
    budget_cents = to_cents(pb.budget, "META budget")
    costs = [to_cents(p.cost, f"cost of project {p.id!r}") for p in pb.projects]
    _check_storable(pb)
    label = _default_name(pb.meta, source_name)

    edition = _edition_for(pb, edition_ref, label, budget_cents, source_name)
    district = _district_for(edition, district_name, budget_cents) if district_name else None
    _ensure_pool_free(edition, district)

    pool = VotePool(
        edition_id=edition.id,
        district_id=district.id if district else None,
        name=label[:200],
        budget_cents=budget_cents,
        vote_type=VoteType(pb.vote_type),
        rule=pb.meta.get("rule"),
        meta=[[k, v] for k, v in pb.meta.items()],
        source=source_name[:200],
        project_columns=list(pb.project_columns),
        voter_columns=list(pb.vote_columns),
    )
    db.session.add(pool)
    proposals = _create_proposals(pb.projects, costs, edition, district, source_name)
    for position, (project, cost, proposal) in enumerate(zip(pb.projects, costs, proposals, strict=True)):
        pool.projects.append(
            VotePoolProject(
                proposal=proposal,
                position=position,
                external_id=project.id,
                cost_cents=cost,
                extra=dict(project.fields),
            )
        )
    db.session.flush()
    ids = {vpp.external_id: vpp.id for vpp in pool.projects}
    _insert_ballots(pool.id, pb, ids)
    audit.record(
        actor_id=None,
        action="voting.import_pb",
        target_type="vote_pool",
        target_id=pool.id,
        after={
            "file": source_name,
            "edition": edition.id,
            "district": district.id if district else None,
            "projects": len(pb.projects),
            "ballots": len(pb.voters),
        },
    )
    db.session.flush()
    return pool


def _check_storable(pb: PabulibFile) -> None:
    too_long = next((p.id for p in pb.projects if len(p.id) > 80), None)
    if too_long is not None:
        raise PabulibImportError(f"project id {too_long[:40]!r}… is longer than 80 characters")
    for voter in pb.voters:
        if voter.points is not None and not all(type(x) is int for x in voter.points):
            raise PabulibImportError(f"voter {voter.voter_id!r} has points that are not whole numbers")


def _default_name(meta: dict[str, str], source_name: str) -> str:
    description = (meta.get("description") or "").strip()
    instance = (meta.get("instance") or "").strip()
    if not description:
        return Path(source_name).stem.replace("_", " ")
    if instance and instance not in description:
        return f"{description} ({instance})"
    return description


def _year(meta: dict[str, str]) -> int:
    for key in ("instance", "date_begin"):
        found = _YEAR.search(meta.get(key) or "")
        if found:
            return int(found.group(1))
    return date.today().year


def _unique_slug(model: type[Edition] | type[District], name: str) -> str:
    base = slugify(name)[:110]
    taken = set(db.session.scalars(select(model.slug).where(model.slug.startswith(base, autoescape=True))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _edition_for(
    pb: PabulibFile, edition_ref: str | None, label: str, budget_cents: int, source_name: str
) -> Edition:
    if edition_ref:
        existing = find_edition(edition_ref, missing_ok=True)
        if existing is not None:
            return existing
    name = (edition_ref or label)[:200]
    description = "\n\n".join(
        filter(None, [pb.meta.get("description"), f"Imported from pabulib file {source_name}.", CITATION])
    )
    edition = Edition(
        slug=_unique_slug(Edition, name),
        name=name,
        year=_year(pb.meta),
        description=description,
        rules_text=f"pabulib rule: {pb.meta['rule']}" if pb.meta.get("rule") else "",
        envelope_cents=budget_cents,
        published=True,
    )
    # The vote itself happened elsewhere: the edition opens in its results phase, so that staff may
    # publish a count of the imported ballots (publishing is refused outside that phase).
    now = utcnow()
    edition.phases.append(
        Phase(
            kind=PhaseKind.RESULTS, starts_at=now - timedelta(minutes=1), ends_at=now + IMPORTED_RESULTS_PHASE
        )
    )
    db.session.add(edition)
    db.session.flush()
    return edition


def _district_for(edition: Edition, name: str, budget_cents: int) -> District:
    district = db.session.scalar(select(District).where(or_(District.name == name, District.slug == name)))
    if district is None:
        district = District(name=name[:120], slug=_unique_slug(District, name))
        db.session.add(district)
        db.session.flush()
    if not any(d.district_id == district.id for d in edition.districts):
        edition.districts.append(EditionDistrict(district_id=district.id, envelope_cents=budget_cents))
        db.session.flush()
    return district


def _ensure_pool_free(edition: Edition, district: District | None) -> None:
    where = VotePool.district_id.is_(None) if district is None else VotePool.district_id == district.id
    if db.session.scalar(select(VotePool.id).where(VotePool.edition_id == edition.id, where)) is not None:
        place = f"district {district.name!r}" if district else "the whole edition"
        raise Conflict(f"edition {edition.slug!r} already has a vote pool for {place}")


def _references(external_ids: Sequence[str]) -> list[str]:
    taken = set(db.session.scalars(select(Proposal.reference).where(Proposal.reference.startswith("PB-"))))
    out = []
    for ext in external_ids:
        base = f"PB-{ext}"[:40]
        ref, n = base, 2
        while ref in taken:
            suffix = f"-{n}"
            ref, n = base[: 40 - len(suffix)] + suffix, n + 1
        taken.add(ref)
        out.append(ref)
    return out


def _status(project: PabulibProject) -> ProposalStatus:
    if "selected" not in project.fields:
        return ProposalStatus.ON_BALLOT
    value = project.fields["selected"]
    if value in FUNDED:
        return ProposalStatus.SELECTED
    if value == "0":
        return ProposalStatus.NOT_SELECTED
    return ProposalStatus.ON_BALLOT


def _create_proposals(
    projects: Sequence[PabulibProject],
    costs: Sequence[int],
    edition: Edition,
    district: District | None,
    source_name: str,
) -> list[Proposal]:
    now = utcnow()
    proposals = []
    for project, cost, reference in zip(projects, costs, _references([p.id for p in projects]), strict=True):
        f = project.fields
        title = (f.get("name") or project.id)[:200]
        origin = f"Imported from pabulib file {source_name} (project {project.id})."
        details = [
            f"{label}: {f[col]}"
            for col, label in (("category", "Categories"), ("target", "Targets"), ("beneficiaries", "For"))
            if f.get(col)
        ]
        summary = (f.get("description") or "; ".join(details) or origin)[:500]
        status = _status(project)
        # Imported projects have no author account: the in-person channel is the one that allows it
        # (no private contact is stored either).
        proposal = Proposal(
            edition_id=edition.id,
            reference=reference,
            channel=Channel.IN_PERSON,
            status=status,
            title=title,
            summary=summary,
            description="\n\n".join([*details, origin]),
            district_id=district.id if district else None,
            estimated_cost_cents=cost,
            submitted_at=now,
        )
        proposal.versions.append(
            ProposalVersion(
                number=1,
                title=proposal.title,
                summary=proposal.summary,
                description=proposal.description,
                estimated_cost_cents=cost,
            )
        )
        reason = "Not selected by the vote (official result recorded in the pabulib file)."
        proposal.status_changes.append(
            StatusChange(
                status=status, public_reason=reason if status is ProposalStatus.NOT_SELECTED else None
            )
        )
        proposals.append(proposal)
    db.session.add_all(proposals)
    return proposals


def _chunks(items: Sequence[PabulibVoter], size: int) -> Iterator[Sequence[PabulibVoter]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_ballots(pool_id: int, pb: PabulibFile, project_ids: dict[str, int]) -> None:
    connection = db.session.connection()
    ballot_insert = insert(Ballot.__table__)
    choice_insert = insert(BallotChoice.__table__)
    extra_columns = pb.vote_extra_columns
    ordinal = pb.vote_type == "ordinal"
    extras: dict[tuple[str | None, ...], dict[str, str] | None] = {}
    for chunk in _chunks(pb.voters, CHUNK):
        rows = []
        ballot_ids = [new_ballot_id() for _ in chunk]
        for ballot_id, voter in zip(ballot_ids, chunk, strict=True):
            extra = extras.get(voter.extra)
            if extra is None and voter.extra not in extras:
                extra = {
                    c: v for c, v in zip(extra_columns, voter.extra, strict=True) if v is not None
                } or None
                extras[voter.extra] = extra
            raw = None
            if len(set(voter.vote)) != len(voter.vote):
                raw = {
                    "vote": list(voter.vote),
                    "points": None if voter.points is None else list(voter.points),
                }
            rows.append(
                {
                    "id": ballot_id,
                    "pool_id": pool_id,
                    "channel": BallotChannel.IMPORTED,
                    "extra": extra,
                    "raw": raw,
                }
            )
        connection.execute(ballot_insert, rows)
        choices: list[dict[str, Any]] = []
        for ballot_id, voter in zip(ballot_ids, chunk, strict=True):
            # A project named twice counts once, as the counting engine does: first position, last points.
            merged: dict[str, Number | None] = {}
            points = voter.points or (None,) * len(voter.vote)
            for pid, pt in zip(voter.vote, points, strict=True):
                merged[pid] = pt
            for position, (pid, pt) in enumerate(merged.items()):
                choices.append(
                    {
                        "ballot_id": ballot_id,
                        "vote_pool_project_id": project_ids[pid],
                        "position": position,
                        "points": pt,
                        "rank": position + 1 if ordinal else None,
                    }
                )
        for start in range(0, len(choices), CHUNK):
            connection.execute(choice_insert, choices[start : start + CHUNK])


def export_pabulib(pool: VotePool, *, trackers: bool = False) -> PabulibFile:
    """Return the pool as a pabulib file: META in its order (counts updated), random voter ids.

    With ``trackers`` (a vote held in Civic, published after its close) each voter id is the ballot's
    tracker and the rows are sorted by it: every voter finds their own ballot in the public file.
    """
    projects = [
        PabulibProject(
            vpp.external_id,
            from_cents(vpp.cost_cents),
            _project_fields(pool.project_columns, vpp),
        )
        for vpp in pool.projects
    ]
    vote_columns = pool.voter_columns or (
        ["voter_id", "vote", "points"]
        if pool.vote_type in (VoteType.CUMULATIVE, VoteType.SCORING)
        else ["voter_id", "vote"]
    )
    extra_columns = [c for c in vote_columns if c not in ("voter_id", "vote", "points")]
    with_points = "points" in vote_columns
    if trackers:
        rows = list(pool_ballot_rows(pool, with_trackers=True))
        keyed = sorted(((str(t), (e, v, p)) for t, e, v, p in rows), key=lambda r: r[0])
    else:
        ballots = list(pool_ballot_rows(pool))
        # Fresh ids 1..n in random order, rows sorted by them: nothing of the original ids or of the
        # order ballots were cast survives in the file.
        voter_ids = list(range(1, len(ballots) + 1))
        secrets.SystemRandom().shuffle(voter_ids)
        keyed = sorted(((n, b) for n, b in zip(voter_ids, ballots, strict=True)), key=lambda r: r[0])  # type: ignore[misc]
    voters = []
    for voter_id, (extra, vote, points) in keyed:
        pts = tuple(points) if with_points and points and None not in points else None
        cells = tuple((extra or {}).get(c) for c in extra_columns)
        voters.append(PabulibVoter(str(voter_id), tuple(vote), pts, cells))  # type: ignore[arg-type]
    meta = dict(pool.meta) or {"description": pool.name}
    meta.update(
        {
            "num_projects": str(len(projects)),
            "num_votes": str(len(voters)),
            "vote_type": pool.vote_type.value,
        }
    )
    if pool.rule is not None:
        meta["rule"] = pool.rule
    budget = from_cents(pool.budget_cents)
    return PabulibFile(
        meta=meta,
        budget=budget,
        vote_type=pool.vote_type.value,
        project_columns=pool.project_columns or ["project_id", "cost", "name"],
        projects=projects,
        vote_columns=list(vote_columns),
        voters=voters,
    )


def _project_fields(columns: Sequence[str], vpp: VotePoolProject) -> dict[str, str | None]:
    names = [c for c in (columns or ["project_id", "cost", "name"]) if c not in ("project_id", "cost")]
    fields = {c: vpp.extra.get(c) for c in names}
    if "name" in fields and fields["name"] is None:
        fields["name"] = vpp.proposal.title
    return fields
