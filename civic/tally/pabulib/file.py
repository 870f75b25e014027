"""A pabulib file once read: projects, rows of votes kept lazy, and the grouping of its ballots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple, cast, overload

from civic.tally.model import BallotGroup, BallotGrouper, BallotKind, Election, Number, Project, gc_paused

# Canonical column order of the pabulib format (same as the pabulib checker's schema).
PROJECT_COLUMNS_ORDER = (
    "project_id",
    "cost",
    "votes",
    "score",
    "name",
    "category",
    "beneficiaries",
    "selected",
    "neighborhood",
    "subunit",
    "district",
    "description",
    "proposer",
    "public_id",
    "latitude",
    "longitude",
)
VOTE_COLUMNS_ORDER = (
    "voter_id",
    "vote",
    "points",
    "age",
    "sex",
    "voting_method",
    "district",
    "neighborhood",
    "education",
    "topic_preference_transport",
    "topic_preference_culture",
    "topic_preference_nature",
    "district_preference",
    "time_taken_seconds",
    "format_easiness",
    "format_expressiveness",
    "format_rank",
)
POINTS_KINDS = ("cumulative", "scoring")


class PabulibProject(NamedTuple):
    """A PROJECTS row: id, exact cost and every other cell by column name (None = no value)."""

    id: str
    cost: Number
    fields: dict[str, str | None]


class PabulibVoter(NamedTuple):
    """A VOTES row: raw vote (repeats kept), points if any, other cells aligned with vote_extra_columns."""

    voter_id: str
    vote: tuple[str, ...]
    points: tuple[Number, ...] | None
    extra: tuple[str | None, ...]


class VoterRows(Sequence[PabulibVoter]):
    """The VOTES rows of a file that was read: checked while reading, built as tuples on first use.

    Counting never needs one object per voter (`PabulibFile.election` works from the distinct
    ballots), so the rows are only materialised when something iterates or indexes them (export,
    import into the database, tests). Compares equal to any sequence holding the same rows.
    """

    __slots__ = ("_build", "_len", "_rows")

    def __init__(self, length: int, build: Callable[[], tuple[PabulibVoter, ...]]) -> None:
        self._len = length
        self._build: Callable[[], tuple[PabulibVoter, ...]] | None = build
        self._rows: tuple[PabulibVoter, ...] | None = None

    def rows(self) -> tuple[PabulibVoter, ...]:
        """Return the rows as a tuple (built once)."""
        if self._rows is None:
            assert self._build is not None
            with gc_paused():
                self._rows = self._build()
            self._build = None  # drop the column data it held
        return self._rows

    @property
    def built(self) -> bool:
        """Tell whether the row objects exist yet."""
        return self._rows is not None

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> PabulibVoter: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[PabulibVoter, ...]: ...

    def __getitem__(self, index: int | slice) -> PabulibVoter | tuple[PabulibVoter, ...]:
        return self.rows()[index]

    def __iter__(self) -> Iterator[PabulibVoter]:
        return iter(self.rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, VoterRows):
            return self.rows() == other.rows()
        if isinstance(other, (list, tuple)):
            return self.rows() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"VoterRows({self._len} rows)"


class DistinctBallots(NamedTuple):
    """What the reader learnt about the ballots of `voters`, so that grouping does not redo it.

    For points ballots (cumulative, scoring) each entry is a distinct (vote, points) pair; otherwise
    a distinct vote, and `points` is None.
    """

    voters: VoterRows  # the exact rows this describes (checked by identity)
    votes: list[tuple[str, ...]]  # each distinct ballot once, first-seen order
    points: list[tuple[Number, ...] | None] | None  # its points, for points ballots
    weights: list[int]  # how many rows hold it
    repeats: bool  # whether some ballot names a project twice


@dataclass
class PabulibFile:
    """A parsed pabulib file; columns are kept in canonical pabulib order, META in file order."""

    meta: dict[str, str]
    budget: Number
    vote_type: BallotKind
    project_columns: list[str]
    projects: list[PabulibProject]
    vote_columns: list[str]
    voters: Sequence[PabulibVoter]  # `read` returns `VoterRows`
    path: str | None = field(default=None, compare=False)
    # One-line notes about tolerated oddities (repeated ids in a ballot, count mismatches).
    warnings: list[str] = field(default_factory=list, compare=False)
    _distinct: DistinctBallots | None = field(default=None, compare=False, repr=False)

    @property
    def vote_extra_columns(self) -> list[str]:
        """Return the VOTES columns stored in `PabulibVoter.extra`."""
        return [c for c in self.vote_columns if c not in ("voter_id", "vote", "points")]

    def election(self) -> Election:
        """Group the ballots into an `Election` ready for counting."""
        with gc_paused():
            return self._election()

    def _election(self) -> Election:
        projects = tuple(Project(p.id, p.cost) for p in self.projects)
        hint = self._distinct
        checked = hint is not None and hint.voters is self.voters
        if hint is None or not checked:
            # Rows replaced after reading: the grouper checks that points match projects.
            hint = _distinct_rows(self.voters, self.vote_type)
        votes, points, weights = hint.votes, hint.points, hint.weights
        if hint.repeats or (points is not None and (not checked or None in points)):
            grouper = BallotGrouper(self.vote_type, {p.id for p in projects}, validate=False)
            pts: Iterator[tuple[Number, ...] | None] = iter(points) if points is not None else repeat(None)
            for vote, ballot_points, n in zip(votes, pts, weights, strict=False):
                # An empty ballot may leave its points cell empty too: no project, no points.
                empty = points is not None and ballot_points is None and not vote
                grouper.add(vote, () if empty else ballot_points, n)
            return Election(projects, self.budget, self.vote_type, grouper.groups(), grouper.with_duplicates)
        # No ballot names a project twice: the distinct rows are the groups. Approval ballots listing
        # the same projects in another order stay apart (merging them costs a sort per ballot, more
        # than the few groups it saves; no rule's outcome depends on how ballots are grouped).
        rows = zip(votes, points if points is not None else repeat(None), weights, strict=False)
        return Election(projects, self.budget, self.vote_type, tuple(map(_new_group, rows)), 0)


def _distinct_rows(voters: Sequence[PabulibVoter], kind: BallotKind) -> DistinctBallots:
    """Return the distinct ballots of rows that the reader did not describe (replaced after reading)."""
    rows = cast(VoterRows, voters)
    if kind in POINTS_KINDS:
        pairs = Counter(map(_VOTE_POINTS, voters))
        votes = list(map(_FIRST, pairs))
        points: list[tuple[Number, ...] | None] | None = list(map(_SECOND, pairs))
        weights = list(pairs.values())
    else:
        counted = Counter(map(_VOTE, voters))
        votes, points, weights = list(counted), None, list(counted.values())
    repeats = sum(map(len, map(set, votes))) != sum(map(len, votes))
    return DistinctBallots(rows, votes, points, weights, repeats)


_VOTE = itemgetter(1)
_VOTE_POINTS = itemgetter(1, 2)
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
# Builds a group from (projects, points, weight) at C speed.
_new_group = cast(Callable[[tuple[object, ...]], BallotGroup], partial(tuple.__new__, BallotGroup))
