"""Counting input: projects with exact costs, a budget and grouped ballots."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, NamedTuple

from civic.tally.errors import InvalidElection

# Money and scores are exact: an int when integral, a Fraction otherwise, never a float.
Number = int | Fraction

BallotKind = Literal["approval", "choose-1", "cumulative", "ordinal", "scoring"]
BALLOT_KINDS: tuple[BallotKind, ...] = ("approval", "choose-1", "cumulative", "ordinal", "scoring")

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Parsing a big file allocates hundreds of thousands of tuples; the collector would traverse them
    again and again for nothing (they form no cycles), which costs more than the parsing itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _age_young_objects()
            gc.enable()


def _age_young_objects() -> None:
    """Move the objects allocated so far to the oldest generation, without traversing them.

    Pausing the collector does not stop it counting allocations: the first allocation after the
    pause would run a young-generation collection over every object built meanwhile (on a file of
    10 000 long ballots, a fifth of the read). `freeze` + `unfreeze` moves the young objects into the
    oldest generation in constant time; a full collection still visits them, as it would any
    long-lived object. Skipped when something else (a forking server) has frozen objects, which
    `unfreeze` would release.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def normalize(value: Number) -> Number:
    """Return an int when the exact value is integral, else the Fraction."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value.numerator)
    return value


def parse_number(text: str) -> Number:
    """Parse a decimal string ("12", "12.50", "1,5") into an exact int or Fraction."""
    s = text.strip().replace(",", ".")
    if not _DECIMAL.match(s):
        raise ValueError(f"not a number: {text!r}")
    if "." not in s and "e" not in s and "E" not in s:
        return int(s)
    return normalize(Fraction(s))


def format_number(value: Number) -> str:
    """Format an exact number as pabulib writes it: integers without '.0', else exact decimals."""
    value = normalize(value)
    if isinstance(value, int):
        return str(value)
    num, den = value.numerator, value.denominator
    # A fraction is a finite decimal only if its denominator has no prime factor but 2 and 5.
    d, twos, fives = den, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{num}/{den}"
    digits = max(twos, fives)
    scaled = abs(num) * (10**digits) // den
    sign = "-" if num < 0 else ""
    whole, frac = divmod(scaled, 10**digits)
    return f"{sign}{whole}.{str(frac).rjust(digits, '0')}"


@dataclass(frozen=True)
class Project:
    """A project that can be funded: string id (never an int), exact cost."""

    id: str
    cost: Number


class BallotGroup(NamedTuple):
    """Identical ballots counted once with a weight (their multiplicity)."""

    projects: tuple[str, ...]
    points: tuple[Number, ...] | None
    weight: int


@dataclass(frozen=True)
class Ballot:
    """One ballot as the app stores it: ids (best-first for ordinal), optional points, a weight."""

    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    weight: int = 1


@dataclass(frozen=True)
class Election:
    """Everything a rule needs: projects in row order, the budget, the ballot kind and grouped ballots."""

    projects: tuple[Project, ...]
    budget: Number
    kind: BallotKind
    groups: tuple[BallotGroup, ...]
    # Ballots that named a project more than once (counted once); kept for reporting only.
    ballots_with_duplicates: int = field(default=0, compare=False)

    @property
    def num_voters(self) -> int:
        """Return the number of ballots, counting multiplicities."""
        return sum(g.weight for g in self.groups)

    def project(self, project_id: str) -> Project:
        """Return the project with that id."""
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    @classmethod
    def build(
        cls,
        projects: Sequence[Project] | Sequence[tuple[str, Number]],
        budget: Number,
        kind: str,
        ballots: Iterable[Ballot | Sequence[str]],
    ) -> Election:
        """Validate in-memory data, drop repeated ids inside a ballot and group identical ballots."""
        if kind not in BALLOT_KINDS:
            raise InvalidElection(f"unknown ballot kind {kind!r}; expected one of {', '.join(BALLOT_KINDS)}")
        plist: list[Project] = []
        for p in projects:
            proj = p if isinstance(p, Project) else Project(str(p[0]), p[1])
            if isinstance(proj.cost, float) or isinstance(budget, float):
                raise InvalidElection("costs and budget must be int or Fraction, not float")
            if proj.cost < 0:
                raise InvalidElection(f"project {proj.id!r} has a negative cost")
            plist.append(Project(proj.id, normalize(proj.cost)))
        ids = [p.id for p in plist]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise InvalidElection(f"project id {dup!r} appears twice")
        known = set(ids)
        grouper = BallotGrouper(kind, known)
        for b in ballots:
            if isinstance(b, Ballot):
                grouper.add(b.projects, b.points, b.weight)
            else:
                grouper.add(tuple(b), None, 1)
        return cls(tuple(plist), normalize(budget), kind, grouper.groups(), grouper.with_duplicates)


class BallotGrouper:
    """Accumulate ballots, dropping repeated ids and merging identical ballots into weighted groups."""

    def __init__(self, kind: BallotKind, known: set[str], validate: bool = True) -> None:
        self.kind = kind
        self.known = known
        self.validate = validate
        self.with_duplicates = 0
        self._approval: dict[frozenset[str], list[object]] = {}
        self._other: dict[tuple[object, ...], list[object]] = {}

    def add(self, ids: tuple[str, ...], points: tuple[Number, ...] | None, weight: int = 1) -> str | None:
        """Add one ballot; return the first repeated id if the ballot named a project twice."""
        if self.validate:
            if not isinstance(weight, int) or weight < 1:
                raise InvalidElection("a ballot weight must be a positive integer")
            for pid in ids:
                if pid not in self.known:
                    raise InvalidElection(f"ballot names unknown project {pid!r}")
        kind = self.kind
        repeated: str | None = None
        if kind in ("approval", "choose-1"):
            key = frozenset(ids)
            if len(key) != len(ids):
                repeated = _first_repeat(ids)
                self.with_duplicates += weight
            slot = self._approval.get(key)
            if slot is None:
                # Keep first-seen order without repeats so explanations read like the ballot.
                self._approval[key] = [tuple(dict.fromkeys(ids)), weight]
            else:
                slot[1] = int(slot[1]) + weight  # type: ignore[call-overload]
            return repeated
        if kind in ("cumulative", "scoring"):
            if points is None or len(points) != len(ids):
                raise InvalidElection("cumulative ballots need one points value per project")
            # As pabutools: the first position is kept, the last value given for a repeated id wins.
            merged: dict[str, Number] = {}
            for pid, pt in zip(ids, points, strict=False):
                if pid in merged:
                    repeated = repeated or pid
                merged[pid] = normalize(pt)
            if repeated is not None:
                self.with_duplicates += weight
            okey: tuple[object, ...] = (tuple(merged), tuple(merged.values()))
            pts: tuple[Number, ...] | None = tuple(merged.values())
            proj = tuple(merged)
        else:
            proj = tuple(dict.fromkeys(ids))
            if len(proj) != len(ids):
                repeated = _first_repeat(ids)
                self.with_duplicates += weight
            okey = (proj,)
            pts = None
        oslot = self._other.get(okey)
        if oslot is None:
            self._other[okey] = [proj, pts, weight]
        else:
            oslot[2] = int(oslot[2]) + weight  # type: ignore[call-overload]
        return repeated

    def groups(self) -> tuple[BallotGroup, ...]:
        """Return the weighted groups in first-seen order."""
        if self.kind in ("approval", "choose-1"):
            return tuple(BallotGroup(s[0], None, s[1]) for s in self._approval.values())  # type: ignore[arg-type]
        return tuple(BallotGroup(s[0], s[1], s[2]) for s in self._other.values())  # type: ignore[arg-type]


def _first_repeat(ids: tuple[str, ...]) -> str:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return ids[0]
