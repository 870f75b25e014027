"""Qualification at the end of pre-selection. Pure: no framework imports.

``qualify`` turns one district's rule and supports into each proposal's rank and outcome. It is a pure
function of its inputs, so the stored snapshot (rule + supports) always reproduces the published result.

Design choices that keep it fair and explainable (and that the property tests check):
- monotone: one more support never un-qualifies a proposal, the others' supports unchanged;
- the guaranteed minimum holds: at least ``min(guaranteed_minimum, candidates)`` proposals qualify;
- ties follow the tie rule: "all tied" never separates two proposals with as many supports, a public seed
  orders them by a hash anyone can recompute, "cheaper first" lets the cheaper one through;
- the "k × envelope" kind never spends more than k × the envelope, except for what the guaranteed minimum
  adds; with "all tied", a tie that cannot fit as a whole closes the list (taking some and not others
  would need another tie rule, and skipping it would let one more support un-qualify a proposal).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil


class ThresholdKind(enum.StrEnum):
    NONE = "none"
    ABSOLUTE = "absolute"
    POPULATION_SHARE = "population_share"
    PARTICIPANT_SHARE = "participant_share"
    TOP_N = "top_n"
    ENVELOPE_MULTIPLE = "envelope_multiple"


class TieRule(enum.StrEnum):
    ALL_TIED = "all_tied"
    RANDOM_SEED = "random_seed"
    CHEAPER_FIRST = "cheaper_first"


class WithdrawalPolicy(enum.StrEnum):
    ALWAYS = "always"
    UNTIL_THRESHOLD = "until_threshold"
    NEVER = "never"


class SupportMode(enum.StrEnum):
    ONLINE = "online"
    PRESELECTION_DAY = "preselection_day"


class Reason(enum.StrEnum):
    NO_THRESHOLD = "no_threshold"
    REACHED_THRESHOLD = "reached_threshold"
    BELOW_THRESHOLD = "below_threshold"
    IN_TOP = "in_top"
    OUTSIDE_TOP = "outside_top"
    WITHIN_ENVELOPE = "within_envelope"
    OVER_ENVELOPE = "over_envelope"
    NO_COST = "no_cost"
    NO_SUPPORT = "no_support"
    GUARANTEED_MINIMUM = "guaranteed_minimum"


# Percentages are stored in basis points (1/100 of a percent) and k in hundredths: integers, exact.
BASIS_POINTS = 10_000
HUNDREDTHS = 100


@dataclass(frozen=True)
class Rule:
    """What qualification reads of a support rule."""

    threshold_kind: ThresholdKind = ThresholdKind.NONE
    # ABSOLUTE: supports; *_SHARE: basis points; TOP_N: N; ENVELOPE_MULTIPLE: k in hundredths (150 = 1.5 ×).
    threshold_value: int = 0
    guaranteed_minimum: int = 0
    tie_rule: TieRule = TieRule.ALL_TIED
    random_seed: str = ""


@dataclass(frozen=True)
class Candidate:
    proposal_id: int
    supports: int
    cost_cents: int | None = None


@dataclass(frozen=True)
class DistrictFigures:
    """The district's numbers a threshold may be a share of."""

    population: int | None = None
    participants: int = 0
    envelope_cents: int | None = None


@dataclass(frozen=True)
class Outcome:
    proposal_id: int
    supports: int
    rank: int
    qualified: bool
    reason: Reason


@dataclass(frozen=True)
class Qualification:
    outcomes: tuple[Outcome, ...]
    # The supports a proposal needed (count thresholds), or the money available (envelope kind).
    needed: int | None = None
    budget_cents: int | None = None

    def by_proposal(self) -> dict[int, Outcome]:
        """Return the outcomes keyed by proposal id."""
        return {o.proposal_id: o for o in self.outcomes}


class MissingFigure(ValueError):
    """The rule is a share of a figure (population, envelope) the district does not have."""


def seed_key(seed: str, proposal_id: int) -> str:
    """Return the public tie-break key of a proposal: SHA-256 of "<seed>:<id>", in hex (anyone can redo it)."""
    return hashlib.sha256(f"{seed}:{proposal_id}".encode()).hexdigest()


def _tie_key(rule: Rule) -> Callable[[Candidate], tuple[object, ...]]:
    if rule.tie_rule is TieRule.RANDOM_SEED:
        return lambda c: (seed_key(rule.random_seed, c.proposal_id), c.proposal_id)
    if rule.tie_rule is TieRule.CHEAPER_FIRST:
        return lambda c: (c.cost_cents is None, c.cost_cents or 0, c.proposal_id)
    return lambda c: (c.proposal_id,)


def needed_supports(rule: Rule, figures: DistrictFigures) -> int | None:
    """Return the supports a proposal needs under a count threshold (None for the other kinds)."""
    kind = rule.threshold_kind
    if kind is ThresholdKind.ABSOLUTE:
        return max(1, rule.threshold_value)
    if kind is ThresholdKind.POPULATION_SHARE:
        if figures.population is None:
            raise MissingFigure("population")
        return max(1, ceil(Fraction(figures.population * rule.threshold_value, BASIS_POINTS)))
    if kind is ThresholdKind.PARTICIPANT_SHARE:
        return max(1, ceil(Fraction(figures.participants * rule.threshold_value, BASIS_POINTS)))
    return None


def envelope_budget(rule: Rule, figures: DistrictFigures) -> int | None:
    """Return k × the envelope in cents (rounded down) for the envelope kind, else None."""
    if rule.threshold_kind is not ThresholdKind.ENVELOPE_MULTIPLE:
        return None
    if figures.envelope_cents is None:
        raise MissingFigure("envelope")
    return figures.envelope_cents * rule.threshold_value // HUNDREDTHS


def _groups(ordered: list[Candidate]) -> list[list[Candidate]]:
    groups: list[list[Candidate]] = []
    for candidate in ordered:
        if groups and groups[-1][0].supports == candidate.supports:
            groups[-1].append(candidate)
        else:
            groups.append([candidate])
    return groups


def _top_n(rule: Rule, ordered: list[Candidate]) -> dict[int, Reason]:
    n = max(0, rule.threshold_value)
    reasons: dict[int, Reason] = {}
    if rule.tie_rule is TieRule.ALL_TIED:
        for candidate in ordered:
            above = sum(1 for other in ordered if other.supports > candidate.supports)
            reasons[candidate.proposal_id] = Reason.IN_TOP if above < n else Reason.OUTSIDE_TOP
    else:
        for position, candidate in enumerate(ordered):
            reasons[candidate.proposal_id] = Reason.IN_TOP if position < n else Reason.OUTSIDE_TOP
    return reasons


def _within_envelope(rule: Rule, ordered: list[Candidate], budget: int) -> dict[int, Reason]:
    reasons: dict[int, Reason] = {}
    spent = 0
    costed = [c for c in ordered if c.cost_cents is not None]
    for candidate in ordered:
        if candidate.cost_cents is None:
            reasons[candidate.proposal_id] = Reason.NO_COST
    if rule.tie_rule is TieRule.ALL_TIED:
        closed = False
        for group in _groups(costed):
            cost = sum(c.cost_cents or 0 for c in group)
            fits = not closed and spent + cost <= budget
            closed = closed or not fits
            if fits:
                spent += cost
            for candidate in group:
                reasons[candidate.proposal_id] = Reason.WITHIN_ENVELOPE if fits else Reason.OVER_ENVELOPE
        return reasons
    for candidate in costed:
        cost = candidate.cost_cents or 0
        if spent + cost <= budget:
            spent += cost
            reasons[candidate.proposal_id] = Reason.WITHIN_ENVELOPE
        else:
            reasons[candidate.proposal_id] = Reason.OVER_ENVELOPE
    return reasons


QUALIFYING = frozenset(
    {
        Reason.NO_THRESHOLD,
        Reason.REACHED_THRESHOLD,
        Reason.IN_TOP,
        Reason.WITHIN_ENVELOPE,
        Reason.GUARANTEED_MINIMUM,
    }
)


def qualify(rule: Rule, candidates: Sequence[Candidate], figures: DistrictFigures) -> Qualification:
    """Rank one district's proposals by supports and say which qualify, and why."""
    ordered = sorted(candidates, key=lambda c: (-c.supports, *_tie_key(rule)(c)))
    needed = needed_supports(rule, figures)
    budget = envelope_budget(rule, figures)
    kind = rule.threshold_kind
    reasons: dict[int, Reason]
    if kind is ThresholdKind.NONE:
        reasons = {c.proposal_id: Reason.NO_THRESHOLD for c in ordered}
    elif needed is not None:
        reasons = {
            c.proposal_id: Reason.REACHED_THRESHOLD if c.supports >= needed else Reason.BELOW_THRESHOLD
            for c in ordered
        }
    else:
        # Rank-based kinds: a proposal nobody supported is never in the top by itself.
        supported = [c for c in ordered if c.supports > 0]
        if kind is ThresholdKind.TOP_N:
            reasons = _top_n(rule, supported)
        else:
            reasons = _within_envelope(rule, supported, budget or 0)
        for candidate in ordered:
            reasons.setdefault(candidate.proposal_id, Reason.NO_SUPPORT)
    _fill_guaranteed_minimum(rule, ordered, reasons)
    outcomes = tuple(
        Outcome(
            proposal_id=c.proposal_id,
            supports=c.supports,
            rank=1 + sum(1 for other in ordered if other.supports > c.supports),
            qualified=reasons[c.proposal_id] in QUALIFYING,
            reason=reasons[c.proposal_id],
        )
        for c in ordered
    )
    return Qualification(outcomes=outcomes, needed=needed, budget_cents=budget)


def _fill_guaranteed_minimum(rule: Rule, ordered: list[Candidate], reasons: dict[int, Reason]) -> None:
    missing = rule.guaranteed_minimum - sum(1 for r in reasons.values() if r in QUALIFYING)
    if missing <= 0:
        return
    waiting = [c for c in ordered if reasons[c.proposal_id] not in QUALIFYING]
    if rule.tie_rule is TieRule.ALL_TIED:
        for group in _groups(waiting):
            if missing <= 0:
                break
            for candidate in group:
                reasons[candidate.proposal_id] = Reason.GUARANTEED_MINIMUM
            missing -= len(group)
        return
    for candidate in waiting[:missing]:
        reasons[candidate.proposal_id] = Reason.GUARANTEED_MINIMUM
