"""Outcomes of a count and their explanations, all convertible to JSON-ready dicts.

JSON convention (`Outcome.to_dict()`): integers stay JSON integers; exact non-integral values
(Fractions) become `{"exact": "p/q", "approx": <float>}` so the app can show a rounded number and
still check sums exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from fractions import Fraction
from typing import Any, Literal

from civic.tally.model import Number

JSON = Any

GreedyStatus = Literal["funded", "did_not_fit", "below_threshold", "stopped", "withdrawn", "already_selected"]


def to_json(value: object) -> JSON:
    """Convert dataclasses, Fractions, tuples and dicts into JSON-serializable values."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value.numerator)
        return {"exact": f"{value.numerator}/{value.denominator}", "approx": float(value)}
    if isinstance(value, float):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")


@dataclass(frozen=True)
class ProjectDecision:
    """Why a greedy-type rule funded a project or not; amounts are exact."""

    project: str
    cost: Number
    rank: int
    score: Number | None
    status: GreedyStatus
    # Budget left just before this project was considered ("did not fit: €X left" uses it).
    budget_left: Number


@dataclass(frozen=True)
class GreedyExplanation:
    """Projects in the order the greedy rule looked at them."""

    score: str
    decisions: tuple[ProjectDecision, ...]
    kind: str = "greedy"


@dataclass(frozen=True)
class MESRound:
    """One MES purchase: supporters pay `price` each (or all they have left if less)."""

    round: int
    project: str
    cost: Number
    # rho in pabutools terms: price per unit of satisfaction (price / cost under cost satisfaction).
    rho: Number
    price: Number
    supporters: int
    paid_in_full: int
    paid_everything_left: int


@dataclass(frozen=True)
class MESRejection:
    """Why MES did not fund a project: its supporters' remaining money vs its cost."""

    project: str
    cost: Number
    supporters: int
    money_left: Number
    reason: Literal["supporters_cannot_afford", "no_supporters", "zero_cost"]


@dataclass(frozen=True)
class MESExplanation:
    """The MES run whose outcome was kept (for add1 variants: the last per-voter budget used)."""

    initial_budget_per_voter: Number
    budget_per_voter: Number
    increments: int
    rounds: tuple[MESRound, ...]
    rejected: tuple[MESRejection, ...]
    completion: GreedyExplanation | None = None
    comparison: dict[str, Any] | None = None
    kind: str = "mes"


@dataclass(frozen=True)
class PhragmenRound:
    """One Phragmén purchase: every supporter's load rises to `load`."""

    round: int
    project: str
    cost: Number
    load: Number
    supporters: int


@dataclass(frozen=True)
class PhragmenExplanation:
    """Sequential Phragmén rounds and the project whose cost stopped the rule, if any."""

    rounds: tuple[PhragmenRound, ...]
    stopped_by: str | None
    budget_left: Number
    kind: str = "phragmen"


Explanation = GreedyExplanation | MESExplanation | PhragmenExplanation


@dataclass(frozen=True)
class Outcome:
    """The result of one count: selected ids in selection order, money used and the explanation."""

    rule: str
    selected: tuple[str, ...]
    budget: Number
    budget_used: Number
    explanation: Explanation
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, JSON]:
        """Return a JSON-serializable dict (see the module docstring for number encoding)."""
        out = to_json(self)
        assert isinstance(out, dict)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, JSON]) -> Outcome:
        """Rebuild an outcome from `to_dict()`'s output (exact values come back exact)."""
        return cls(
            data["rule"],
            tuple(data["selected"]),
            from_json_number(data["budget"]),
            from_json_number(data["budget_used"]),
            _explanation(data["explanation"]),
            tuple(data.get("notes", ())),
        )


def from_json_number(value: JSON) -> Number:
    """Return the exact number `to_json` encoded (an int, or {"exact": "p/q", ...})."""
    if isinstance(value, dict):
        return Fraction(value["exact"])
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an exact number: {value!r}")
    return value


def _optional_number(value: JSON) -> Number | None:
    return None if value is None else from_json_number(value)


def _greedy(data: Mapping[str, JSON]) -> GreedyExplanation:
    return GreedyExplanation(
        data["score"],
        tuple(
            ProjectDecision(
                d["project"],
                from_json_number(d["cost"]),
                d["rank"],
                _optional_number(d["score"]),
                d["status"],
                from_json_number(d["budget_left"]),
            )
            for d in data["decisions"]
        ),
    )


def _explanation(data: Mapping[str, JSON]) -> Explanation:
    n = from_json_number
    kind = data.get("kind")
    if kind == "greedy":
        return _greedy(data)
    if kind == "mes":
        rounds = tuple(
            MESRound(
                r["round"],
                r["project"],
                n(r["cost"]),
                n(r["rho"]),
                n(r["price"]),
                r["supporters"],
                r["paid_in_full"],
                r["paid_everything_left"],
            )
            for r in data["rounds"]
        )
        rejected = tuple(
            MESRejection(r["project"], n(r["cost"]), r["supporters"], n(r["money_left"]), r["reason"])
            for r in data["rejected"]
        )
        completion = data.get("completion")
        return MESExplanation(
            n(data["initial_budget_per_voter"]),
            n(data["budget_per_voter"]),
            data["increments"],
            rounds,
            rejected,
            None if completion is None else _greedy(completion),
            data.get("comparison"),
        )
    if kind == "phragmen":
        return PhragmenExplanation(
            tuple(
                PhragmenRound(r["round"], r["project"], n(r["cost"]), n(r["load"]), r["supporters"])
                for r in data["rounds"]
            ),
            data["stopped_by"],
            n(data["budget_left"]),
        )
    raise ValueError(f"unknown explanation kind {kind!r}")
