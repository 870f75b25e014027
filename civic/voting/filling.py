"""Filling in a ballot: what the form sent, read as a ballot of the edition's format, and what is wrong with it.

The same reading serves the plain form, the htmx basket (total, what is left, what is wrong, live) and the
review step; the rules themselves are the pure ``civic.voting.ballot_rules``. A draft is kept in the
person's session (by ballot box) until it is cast or the vote closes, so leaving the page loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from civic.processes.queries import format_euros
from civic.voting.ballot_rules import (
    MAX_CHOICES,
    MAX_POINTS,
    BallotFormat,
    FilledBallot,
    Settings,
    Violation,
    ballot_violations,
    min_spend_cents,
    normalised,
)
from civic.voting.models import VotePool, VotePoolProject

DRAFTS = "ballot_drafts"


@dataclass(frozen=True)
class Reading:
    """A ballot as the form sent it: the projects chosen (ballot order), their points, and any typing error."""

    projects: tuple[VotePoolProject, ...]
    points: tuple[int, ...] | None
    typing: dict[int, str] = field(default_factory=dict)  # project id → what was wrong with the number typed

    @property
    def points_of(self) -> dict[int, int]:
        """Points by project id (cumulative ballots)."""
        return {p.id: n for p, n in zip(self.projects, self.points or (), strict=False)}

    @property
    def rank_of(self) -> dict[int, int]:
        """Rank by project id, 1 = best (rankings)."""
        return {p.id: n for n, p in enumerate(self.projects, start=1)}

    def as_draft(self) -> dict[str, list[int]]:
        return {"projects": [p.id for p in self.projects], "points": list(self.points or ())}


@dataclass(frozen=True)
class Basket:
    """What the basket shows: what is chosen, spent, left, and every rule broken (in plain words)."""

    reading: Reading
    spent_cents: int
    budget_cents: int
    points_used: int | None
    points_total: int | None
    problems: tuple[str, ...]

    @property
    def left_cents(self) -> int:
        return self.budget_cents - self.spent_cents

    @property
    def ok(self) -> bool:
        return not self.problems and not self.reading.typing


def _whole(raw: str, high: int) -> int | str | None:
    text = raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        return str(_l("Type a whole number, for example 3."))
    value = int(text)
    return value if value <= high else str(_l("This number is too large."))


def read_form(settings: Settings, pool: VotePool, form: Mapping[str, object]) -> Reading:
    """Read the submitted fields: ``project`` (ticked ids) for approval-like ballots, ``points-<id>`` for
    cumulative ones, ``rank-<id>`` (1 = best) for rankings. Unknown ids are ignored; bad numbers are kept
    as typing errors beside their project."""
    s = normalised(settings)
    by_id = {p.id: p for p in pool.projects}
    getlist = getattr(form, "getlist", None)
    typing: dict[int, str] = {}
    if s.ballot_format is BallotFormat.CUMULATIVE:
        chosen, points = [], []
        for project in pool.projects:
            value = _whole(str(form.get(f"points-{project.id}", "") or ""), MAX_POINTS)
            if isinstance(value, str):
                typing[project.id] = value
            elif value:
                chosen.append(project)
                points.append(value)
        return Reading(tuple(chosen), tuple(points), typing)
    if s.ballot_format is BallotFormat.RANKING:
        ranked: list[tuple[int, int, VotePoolProject]] = []
        for position, project in enumerate(pool.projects):
            value = _whole(str(form.get(f"rank-{project.id}", "") or ""), MAX_CHOICES)
            if isinstance(value, str):
                typing[project.id] = value
            elif value:
                ranked.append((value, position, project))
        ranks = [r for r, _p, _v in ranked]
        for rank, _position, project in ranked:
            if ranks.count(rank) > 1:
                typing[project.id] = str(_l("Two projects have rank %(rank)d: give each its own.", rank=rank))
        return Reading(tuple(p for _r, _pos, p in sorted(ranked, key=lambda t: (t[0], t[1]))), None, typing)
    raw_ids = getlist("project") if callable(getlist) else list(form.get("project", []) or [])  # type: ignore[arg-type]
    ids = []
    for raw in raw_ids:
        if str(raw).isdigit() and int(raw) in by_id and int(raw) not in ids:
            ids.append(int(raw))
    return Reading(tuple(by_id[i] for i in ids), None, typing)


def read_draft(pool: VotePool, draft: Mapping[str, list[int]] | None) -> Reading:
    """Read back a draft kept in the session (projects no longer on the ballot are dropped)."""
    if not draft:
        return Reading((), None)
    by_id = {p.id: p for p in pool.projects}
    pairs = [
        (by_id[pid], pts)
        for pid, pts in zip(
            draft.get("projects", []),
            draft.get("points") or [None] * len(draft.get("projects", [])),
            strict=False,
        )
        if pid in by_id
    ]
    points = tuple(int(p) for _v, p in pairs if p is not None) if draft.get("points") else None
    return Reading(tuple(v for v, _p in pairs), points)


def _message(v: Violation, names: Mapping[str, str]) -> str:
    project = names.get(v.project or "", v.project or "")
    if v.rule == "too_few":
        return ngettext("Choose at least %(num)d project.", "Choose at least %(num)d projects.", v.limit or 1)
    if v.rule == "too_many":
        return ngettext("Choose at most %(num)d project.", "Choose at most %(num)d projects.", v.limit or 0)
    if v.rule == "ranking_too_long":
        return ngettext("Rank at most %(num)d project.", "Rank at most %(num)d projects.", v.limit or 0)
    if v.rule == "over_budget":
        over = format_euros((v.actual or 0) - (v.limit or 0))
        return str(_l("Your choice costs %(over)s more than the envelope: remove a project.", over=over))
    if v.rule == "under_minimum_spend":
        return str(_l("Your choice must reach at least %(min)s.", min=format_euros(v.limit or 0)))
    if v.rule == "points_over_cap":
        return str(_l("%(project)s: at most %(cap)d points per project.", project=project, cap=v.limit))
    if v.rule == "points_over_total":
        return str(_l("You gave %(given)d points: at most %(total)d in all.", given=v.actual, total=v.limit))
    return str(_l("This ballot cannot be accepted as it is."))


def basket(settings: Settings, pool: VotePool, reading: Reading, *, submitted: bool = False) -> Basket:
    """Say what the ballot as read holds, and what is wrong with it (every message in plain words).

    While the ballot is being filled in, an empty one says nothing is wrong yet; once ``submitted``, it says
    that a project must be chosen."""
    s = normalised(settings)
    costs = {p.external_id: p.cost_cents for p in pool.projects}
    filled = FilledBallot(tuple(p.external_id for p in reading.projects), reading.points)
    violations = ballot_violations(s, costs, pool.budget_cents, filled)
    # Without a choice yet, say what to do rather than what is wrong.
    shown = [v for v in violations if reading.projects or submitted or v.rule != "too_few"]
    # Titles only word a problem: a valid ballot (every cast) loads none of the ballot's proposals (one query each).
    names = {p.external_id: p.proposal.title for p in pool.projects} if shown else {}
    problems = tuple(_message(v, names) for v in shown)
    return Basket(
        reading=reading,
        spent_cents=sum(p.cost_cents for p in reading.projects),
        budget_cents=pool.budget_cents,
        points_used=sum(reading.points) if reading.points is not None else None,
        points_total=s.total_points if s.ballot_format is BallotFormat.CUMULATIVE else None,
        problems=problems,
    )


def can_review(settings: Settings, pool: VotePool, reading: Reading) -> bool:
    """Tell whether the ballot may go to the review step (chosen something, breaks nothing)."""
    return bool(reading.projects) and basket(settings, pool, reading).ok


def minimum_spend(settings: Settings, pool: VotePool) -> int | None:
    return min_spend_cents(settings, pool.budget_cents)
