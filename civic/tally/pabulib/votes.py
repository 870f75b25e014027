"""The VOTES section: one row per voter, read a column at a time.

This dominates reading (bench/reader.py compares it with Python's csv module). Per row, only C code
runs: the lines are split with `str.split`, turned into columns with `zip`, and the ballot cells
counted with `Counter`. Every check then runs once per *distinct* cell — a file of 150 000 choose-1
ballots holds a few dozen distinct votes and a few hundred distinct points cells — and the line of a
problem is looked for only once a check has failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain, compress, repeat
from operator import eq, itemgetter, ne, not_, or_
from typing import NamedTuple, cast

from civic.tally.errors import PabulibError
from civic.tally.model import BallotKind, Number
from civic.tally.pabulib.file import POINTS_KINDS, DistinctBallots, PabulibVoter, VoterRows
from civic.tally.pabulib.lines import SECTIONS, Lines, Rest, fit
from civic.tally.pabulib.numbers import MAX_POINTS, plain_points, points_cell, short

_NO_VALUE = ("", "None")
# Warnings about single rows stop after this many (then one line sums up the rest).
MAX_ROW_WARNINGS = 20
Points = tuple[Number, ...] | None


class Votes(NamedTuple):
    """The rows of VOTES (lazy) and what grouping needs of them."""

    voters: VoterRows
    distinct: DistinctBallots


class _Problem(NamedTuple):
    """A check that failed: its line, the cell's position in the row (to order problems of one line)."""

    line: int
    position: int
    message: str


def read_votes(
    lines: Lines,
    header: list[str],
    extra_idx: list[int],
    kind: BallotKind,
    known: set[str],
    warnings: list[str],
) -> Votes:
    """Read every remaining line as a VOTES row; PabulibError (first problem, with its line) if one is bad."""
    hline = lines.line
    nv = len(header)
    vote_i = header.index("vote")
    points_i = header.index("points") if "points" in header else -1
    needs_points = kind in POINTS_KINDS
    if needs_points and points_i < 0:
        raise PabulibError(f"{kind} ballots need a points column", hline)
    rest = lines.rest()
    cols, extras, numbers, stop = _columns(rest, hline, nv, max(vote_i, points_i) + 1, extra_idx)

    def line_of(i: int) -> int:
        return numbers[i] if numbers is not None else hline + 1 + i

    problems: list[_Problem] = []
    vids = list(map(str.strip, cols[0])) if rest.spaced else list(cols[0])
    n = len(vids)
    if "" in vids:
        problems.append(_Problem(line_of(vids.index("")), 0, "VOTES row with an empty voter_id"))
    if len(set(vids)) != n:
        _warn_repeated_voters(vids, line_of, warnings)
    vote_cells = cols[vote_i]
    ballots = _Ballots(vote_cells, known)
    if ballots.unknown is not None:
        i = ballots.unknown[0]
        problems.append(
            _Problem(line_of(i), 1, f"voter {vids[i]!r} votes for unknown project {ballots.unknown[1]!r}")
        )
    if ballots.repeats:
        dups = list(compress(range(n), map(ballots.repeats.__contains__, vote_cells)))
        for i in dups[:MAX_ROW_WARNINGS]:
            warnings.append(
                f"line {line_of(i)}: voter {vids[i]!r} names a project more than once (counted once)"
            )
        if len(dups) > MAX_ROW_WARNINGS:
            warnings.append(f"{len(dups)} ballots name a project more than once (counted once)")
    row_points: Iterable[Points] = repeat(None)
    distinct_points: list[Points] | None = None
    votes, weights = ballots.votes, ballots.weights
    if points_i >= 0:
        pts = _PointsColumn(vote_cells, cols[points_i], ballots, needs_points, vids)
        if pts.problem is not None:
            i, message = pts.problem
            problems.append(_Problem(line_of(i), 2, message))
        row_points = map(pts.parsed.__getitem__, cols[points_i])
        if needs_points:
            votes, distinct_points, weights = pts.votes, pts.points, pts.weights
    if problems or stop is not None:
        first = min(problems, default=None)
        if first is not None and (stop is None or stop.line is None or first.line < stop.line):
            raise PabulibError(first.message, first.line)
        assert stop is not None
        raise stop
    row_votes = map(ballots.parsed.__getitem__, vote_cells)

    def build() -> tuple[PabulibVoter, ...]:
        return tuple(map(_new_voter, zip(vids, row_votes, row_points, extras, strict=False)))

    voters = VoterRows(n, build)
    return Votes(voters, DistinctBallots(voters, votes, distinct_points, weights, bool(ballots.repeats)))


def _columns(
    rest: Rest, hline: int, nv: int, lead: int, extra_idx: list[int]
) -> tuple[list[tuple[str, ...]], Iterable[tuple[str | None, ...]], list[int] | None, PabulibError | None]:
    """Return the columns, each row's extra cells, the rows' line numbers (None: one per line) and the
    problem that stopped reading early (a malformed row, a section after VOTES), if any."""
    raw = rest.lines
    extras: Iterable[tuple[str | None, ...]] = repeat(())
    if all(i >= lead for i in extra_idx) and not rest.quoted:
        # Fast path: every line a plain row of nv cells with the extra cells last. Splitting off the
        # extra cells as one tail string, parsed once per distinct tail, halves the strings created;
        # any irregular line sends the whole section through the general path.
        width = min(nv, lead + 1)
        parts = list(map(str.split, raw, repeat(";"), repeat(lead)))
        try:
            # A strict zip checks that every row has as many cells as the first.
            cols: list[tuple[str, ...]] = list(zip(*parts, strict=True)) if parts else [()] * width
        except ValueError:
            cols = []
        if len(cols) == width:
            if not extra_idx:
                return cols, extras, None, None
            tails = _tail_extras(cols[lead], [i - lead for i in extra_idx], nv - lead)
            if tails is not None:
                return cols, tails, None, None
    table, numbers = _split_rows(raw, hline, rest.quoted)
    stop = None
    if set(map(len, table)) - {nv}:
        table, numbers, stop = _regular(table, numbers, nv, hline)
    cols = list(zip(*table, strict=True)) if table else [()] * nv
    if extra_idx:
        extras = _column_extras(cols, extra_idx)
    return cols, extras, numbers, stop


def _split_rows(raw: list[str], hline: int, quoted: bool) -> tuple[list[list[str]], list[int] | None]:
    """Return the rows split into cells and their line numbers (None: one row per line)."""
    if not quoted:
        return list(map(str.split, raw, repeat(";"))), None
    # A quoted cell may span lines: go line by line.
    sub = Lines([line + "\n" for line in raw])
    sub.line = hline
    table: list[list[str]] = []
    numbers: list[int] = []
    while (row := sub.row()) is not None:
        table.append(row)
        numbers.append(sub.line)
    return table, numbers


def _tail_extras(tails: tuple[str, ...], pick: list[int], n: int) -> Iterable[tuple[str | None, ...]] | None:
    """Return each row's extra cells from the raw end of its line (None unless every tail has n cells).

    Only the cell count is checked now (one C call per distinct tail); the cells themselves are cut
    when the rows are built, which counting never asks for.
    """
    if set(map(str.count, set(tails), repeat(";"))) - {n - 1}:
        return None
    return _lazy_tails(tails, pick)


def _lazy_tails(tails: tuple[str, ...], pick: list[int]) -> Iterator[tuple[str | None, ...]]:
    # One shared tuple per distinct tail: few distinct (age, sex, district) combinations.
    norm: dict[str, tuple[str | None, ...]] = {}
    for tail in set(tails):
        cells = tail.split(";")
        norm[tail] = tuple([None if cells[i] in _NO_VALUE else cells[i] for i in pick])
    yield from map(norm.__getitem__, tails)


def _column_extras(cols: list[tuple[str, ...]], extra_idx: list[int]) -> list[tuple[str | None, ...]]:
    """Return each row's extra cells, normalised (None for no value), one shared tuple per distinct row."""
    normal = []
    for i in extra_idx:
        # Extra cells repeat a lot (age, sex, district): normalise each distinct value once.
        col = cols[i]
        norm = {c: None if c in _NO_VALUE else c for c in set(col)}
        normal.append(map(norm.__getitem__, col))
    shared: dict[tuple[str | None, ...], tuple[str | None, ...]] = {}
    rows = list(zip(*normal, strict=True))
    return list(map(shared.setdefault, rows, rows))


def _regular(
    table: list[list[str]], numbers: list[int] | None, n: int, hline: int
) -> tuple[list[list[str]], list[int], PabulibError | None]:
    """Drop blank rows and fit short rows to n cells; stop at the first malformed row (returned)."""
    kept: list[list[str]] = []
    lines: list[int] = []
    for i, row in enumerate(table):
        line = numbers[i] if numbers is not None else hline + 1 + i
        if len(row) != n:
            if not any(map(str.strip, row)):
                continue
            if row[0].strip().lower() in SECTIONS:
                return kept, lines, PabulibError(f"unexpected {row[0].strip()} section after VOTES", line)
            try:
                row = fit(row, n, line, "VOTES")
            except PabulibError as exc:
                return kept, lines, exc
        kept.append(row)
        lines.append(line)
    return kept, lines, None


def _warn_repeated_voters(vids: list[str], line_of: Callable[[int], int], warnings: list[str]) -> None:
    seen: set[str] = set()
    repeated = 0
    for i, vid in enumerate(vids):
        if vid in seen:
            repeated += 1
            if repeated <= MAX_ROW_WARNINGS:
                warnings.append(
                    f"line {line_of(i)}: voter_id {vid!r} is used again (counted as another ballot)"
                )
        seen.add(vid)
    if repeated > MAX_ROW_WARNINGS:
        warnings.append(f"{repeated} rows repeat a voter_id (each counted as a ballot)")


class _Ballots:
    """The vote cells of a column: each distinct cell parsed and checked once."""

    def __init__(self, cells: tuple[str, ...], known: set[str]) -> None:
        counted = Counter(cells)
        distinct = list(counted)
        self.repeats: set[str] = set()  # cells naming a project twice
        self.unknown: tuple[int, str] | None = None  # first row naming an unknown project, and the id
        self.weights = list(counted.values())
        # Each id is looked up in a dict of the known ids and replaced by the project's own string, all
        # in C: an unknown id raises KeyError (those cells get a closer look), and the split strings
        # die with their cell instead of living on in the ballots (millions on long ballots), so
        # everything downstream compares ids by identity in memory that stays in cache.
        canon = {pid: pid for pid in known}
        try:
            tuples = list(
                map(tuple, map(map, repeat(canon.__getitem__), map(str.split, distinct, repeat(","))))
            )
            self.odd = False
        except KeyError:
            tuples = list(map(tuple, map(str.split, distinct, repeat(","))))
            self.odd = True
        self.parsed: dict[str, tuple[str, ...]] = dict(zip(distinct, tuples, strict=True))
        self.votes = tuples
        # None twice in a ballot (one set per distinct cell): the cells failing get a closer look.
        twice = list(map(ne, map(len, map(set, tuples)), map(len, tuples)))
        if self.odd or any(twice):
            if self.odd:
                unknown = set(chain.from_iterable(tuples)) - known
                twice = list(map(or_, twice, map(not_, map(unknown.isdisjoint, tuples))))
            self.odd = True
            self._look_closer(cells, list(compress(distinct, twice)), known)

    def _look_closer(self, cells: tuple[str, ...], odd: list[str], known: set[str]) -> None:
        """Parse the cells holding spaces, empty items, "None", unknown ids or an id twice."""
        bad: dict[str, str] = {}
        for cell in odd:
            ids = _parse_ids(cell, known)
            if isinstance(ids, str):
                bad[cell] = ids
                continue
            self.parsed[cell] = ids
            if len(set(ids)) != len(ids):
                self.repeats.add(cell)
        if bad:
            i = next(compress(range(len(cells)), map(bad.__contains__, cells)))
            self.unknown = (i, bad[cells[i]])
        # Clean cells map one-to-one to tuples; cleaned-up odd ones ("1, 2") may equal another.
        by_value: Counter[tuple[str, ...]] = Counter()
        for ids, n in zip(self.parsed.values(), self.weights, strict=True):
            by_value[ids] += n
        self.votes, self.weights = list(by_value), list(by_value.values())


def _parse_ids(cell: str, known: set[str]) -> tuple[str, ...] | str:
    """Return the ids of a vote cell, or the first unknown id."""
    if " " in cell or "\t" in cell:
        ids = tuple(x.strip() for x in cell.split(",") if x.strip())
    else:
        ids = tuple(x for x in cell.split(",") if x)
    if len(ids) == 1 and ids[0] == "None":
        return ()
    return next((x for x in ids if x not in known), ids)


class _PointsColumn:
    """The points cells: each distinct cell parsed once, each distinct (vote, points) pair checked once."""

    def __init__(
        self,
        vote_cells: tuple[str, ...],
        cells: tuple[str, ...],
        ballots: _Ballots,
        needs_points: bool,
        vids: list[str],
    ) -> None:
        pairs = Counter(zip(vote_cells, cells, strict=True))
        self.parsed: dict[str, Points] = {}
        self.problem: tuple[int, str] | None = None  # first bad row and what is wrong
        not_numbers: set[str] = set()
        plain = True  # every cell read by `plain_points`: distinct cells hold distinct points
        for cell in set(cells):
            pts: Points = plain_points(cell)
            if pts is None:
                plain = False
                try:
                    pts = points_cell(cell)
                except ValueError:
                    not_numbers.add(cell)
            self.parsed[cell] = pts
        keys = list(pairs)
        ids = list(map(ballots.parsed.__getitem__, map(_FIRST, keys)))
        points = list(map(self.parsed.__getitem__, map(_SECOND, keys)))
        lengths = {cell: -1 if pts is None else len(pts) for cell, pts in self.parsed.items()}
        mismatch = list(map(ne, map(len, ids), map(lengths.__getitem__, map(_SECOND, keys))))
        if any(mismatch) or not_numbers:
            self._check(keys, ids, points, mismatch, not_numbers, needs_points, vote_cells, cells, vids)
        self.votes = ids
        self.points = points
        self.weights = list(pairs.values())
        if ballots.odd or not plain:
            # Cleaned-up cells ("1, 2"; "03") may read as another pair: merge them.
            by_value: Counter[tuple[tuple[str, ...], Points]] = Counter()
            for key, n in zip(zip(ids, points, strict=True), self.weights, strict=True):
                by_value[key] += n
            self.votes = list(map(_FIRST, by_value))
            self.points = list(map(_SECOND, by_value))
            self.weights = list(by_value.values())

    def _check(
        self,
        keys: list[tuple[str, str]],
        ids: list[tuple[str, ...]],
        points: list[Points],
        mismatch: list[bool],
        not_numbers: set[str],
        needs_points: bool,
        vote_cells: tuple[str, ...],
        cells: tuple[str, ...],
        vids: list[str],
    ) -> None:
        """Find the first pair whose points are wrong (pairs are in first-seen order) and its first row."""
        for key, vote, pts, odd in zip(keys, ids, points, mismatch, strict=True):
            if key[1] not in not_numbers and (not odd or (pts is None and not (needs_points and vote))):
                continue
            row = next(compress(range(len(cells)), map(eq, zip(vote_cells, cells, strict=True), repeat(key))))
            voter = repr(vids[row])
            if key[1] in not_numbers:
                message = (
                    f"points of voter {voter} are not numbers between {-MAX_POINTS} and "
                    f"{MAX_POINTS}: {short(key[1])}"
                )
            elif pts is None:
                message = f"voter {voter} has projects but no points"
            else:
                message = f"voter {voter} has {len(vote)} projects but {len(pts)} points"
            self.problem = (row, message)
            return


_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
# Builds a voter from its cells at C speed (calling the NamedTuple class runs Python code per row).
_new_voter = cast(Callable[[tuple[object, ...]], PabulibVoter], partial(tuple.__new__, PabulibVoter))
