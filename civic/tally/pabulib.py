"""Read and write pabulib `.pb` files (pabulib.org/format), streaming and exact.

`read(path)` returns a `PabulibFile`; any malformed input raises one `PabulibError` carrying the line
number. `write(pbfile, path)` writes a file the pabulib checker accepts; `read(write(read(f))) == read(f)`.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from itertools import chain, compress, repeat
from operator import contains, itemgetter, ne
from typing import IO, NamedTuple, cast, overload

from civic.tally.errors import PabulibError
from civic.tally.model import (
    BALLOT_KINDS,
    BallotGroup,
    BallotGrouper,
    BallotKind,
    Election,
    Number,
    Project,
    format_number,
    gc_paused,
    parse_number,
)

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
# Comma-separated list cells: items are stored without surrounding spaces, as the format requires.
LIST_COLUMNS = frozenset({"category", "categories", "beneficiaries", "target", "targets"})
# Cells that may be empty; any other missing value is written as the literal `None`.
NULLABLE_COLUMNS = frozenset(
    {
        "category",
        "beneficiaries",
        "latitude",
        "longitude",
        "age",
        "sex",
        "district",
        "neighborhood",
        "education",
    }
)
WITHDRAWN_COST = 999999999

# Limits on the numbers of a file, checked before any exact conversion: converting a cell such as
# `1e99999999` or a million digits would take hours, and amounts must fit the database once counted
# in cents (a signed 64-bit integer); points are stored in a 32-bit integer column.
MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 40
MAX_AMOUNT = (2**63 - 1) // 100
MAX_POINTS = 2**31 - 1
MAX_SCORE = 2**63 - 1
_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


def limited_number(text: str, *, limit: int) -> Number:
    """Parse a decimal cell like `parse_number`, refusing (ValueError, with the reason) absurd ones.

    Too many characters, an exponent beyond ±MAX_EXPONENT or an absolute value above ``limit`` are
    refused before the exact conversion could take long.
    """
    s = text.strip()
    if len(s) > MAX_NUMBER_CHARS:
        raise ValueError(f"too many digits (more than {MAX_NUMBER_CHARS} characters)")
    exponent = _EXPONENT.search(s)
    if exponent is not None and abs(int(exponent.group(1))) > MAX_EXPONENT:
        # Tiny exponents are as absurd as huge ones (and as slow to convert exactly).
        if exponent.group(1).startswith("-"):
            raise ValueError(f"exponent beyond -{MAX_EXPONENT}")
        raise ValueError(f"too large (more than {limit})")
    value = parse_number(s)
    if not -limit <= value <= limit:
        raise ValueError(f"too large (more than {limit})")
    return value


def _short(text: str) -> str:
    """Return a cell cut to a readable length for an error message."""
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _amount(text: str, what: str, line: int) -> Number:
    """Return a budget or cost cell as an exact number; PabulibError if it is not a sane amount."""
    if not _DECIMAL_CELL.match(text.strip()):
        raise PabulibError(f"{what} is not a number: {_short(text)}", line)
    try:
        value = limited_number(text, limit=MAX_AMOUNT)
    except ValueError as exc:
        raise PabulibError(f"{what} is {exc}: {_short(text)}", line) from None
    if value < 0:
        raise PabulibError(f"{what} is negative", line)
    return value


_DECIMAL_CELL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


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


class _DistinctBallots(NamedTuple):
    """What the reader learnt about the ballots of `voters`, so that grouping does not redo it."""

    voters: VoterRows  # the exact rows this describes (checked by identity)
    votes: list[tuple[str, ...]]  # each distinct raw ballot once, first-seen order
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
    _distinct: _DistinctBallots | None = field(default=None, compare=False, repr=False)

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
        grouper = BallotGrouper(self.vote_type, {p.id for p in projects}, validate=False)
        if self.vote_type in ("cumulative", "scoring"):
            # Count identical raw rows first (C speed), then normalise each distinct row once.
            for (vote, pts), n in Counter(map(_VOTE_POINTS, self.voters)).items():
                # An empty ballot may leave its points cell empty too: no project, no points.
                grouper.add(vote, () if pts is None and not vote else pts, n)
            return Election(projects, self.budget, self.vote_type, grouper.groups(), grouper.with_duplicates)
        hint = self._distinct
        if hint is not None and hint.voters is self.voters:
            # The reader already counted the distinct ballots and checked them for repeated ids.
            votes, weights, repeats = hint.votes, hint.weights, hint.repeats
        else:
            counted = Counter(map(_VOTE, self.voters))
            votes, weights = list(counted), list(counted.values())
            repeats = sum(map(len, map(set, votes))) != sum(map(len, votes))
        if repeats:
            for vote, n in zip(votes, weights, strict=True):
                grouper.add(vote, None, n)
            return Election(projects, self.budget, self.vote_type, grouper.groups(), grouper.with_duplicates)
        # No ballot names a project twice: the distinct rows are the groups. Approval ballots listing
        # the same projects in another order stay apart (merging them costs a sort per ballot, more
        # than the few groups it saves; no rule's outcome depends on how ballots are grouped).
        rows = zip(votes, repeat(None), weights, strict=False)
        return Election(projects, self.budget, self.vote_type, tuple(map(_new_group, rows)), 0)


_VOTE = itemgetter(1)
_VOTE_POINTS = itemgetter(1, 2)


def _canonical(columns: list[str], order: tuple[str, ...]) -> list[str]:
    known = [c for c in order if c in columns]
    return known + [c for c in columns if c not in order]


def _cell(value: str) -> str | None:
    v = value.strip()
    if v == "" or v == "None":
        return None
    return v


def _list_cell(value: str | None) -> str | None:
    if value is None:
        return None
    return ",".join(item.strip() for item in value.split(","))


_NO_VALUE = ("", "None")
_NOT_UTF8 = "file is not UTF-8 text"


class _Lines:
    """Logical `;`-separated rows of a stream, with the physical line number of the last row read.

    Lines without a double quote are split directly (the common case, and the fast path for
    VOTES); quoted lines go through the csv module, joining physical lines while a quoted cell
    spans a line break.
    """

    def __init__(self, stream: Iterable[str]) -> None:
        self._it = iter(stream)
        self.line = 0

    def _read_line(self) -> str | None:
        try:
            raw = next(self._it, None)
        except UnicodeDecodeError:
            raise PabulibError(_NOT_UTF8, self.line + 1) from None
        if raw is not None:
            self.line += 1
        return raw

    def raw_lines(self) -> Iterator[str]:
        """Return the underlying line iterator (the caller keeps the line count)."""
        return self._it

    def row(self) -> list[str] | None:
        """Return the next row as cells (None at end of input)."""
        raw = self._read_line()
        if raw is None:
            return None
        if '"' not in raw:
            return raw.rstrip("\r\n").split(";")
        return self.quoted(raw)

    def quoted(self, raw: str) -> list[str]:
        start = self.line
        buf = raw
        while True:
            if "\x00" in buf:
                raise PabulibError("file contains a NUL byte", self.line)
            try:
                rows = list(
                    csv.reader(io.StringIO(buf, newline=""), delimiter=";", quotechar='"', strict=True)
                )
            except csv.Error as exc:
                if buf.count('"') % 2 == 0:
                    raise PabulibError(f"malformed quoted cell: {exc}", start) from None
                buf += self._until_quote(start, exc)
                continue
            if len(rows) != 1:  # pragma: no cover - a single logical line yields one row
                raise PabulibError("malformed quoted cell", start)
            return rows[0]

    def _until_quote(self, start: int, exc: csv.Error) -> str:
        """Return the next lines up to the first one holding an odd number of quotes (closing a cell).

        Parsing again after each line would make an unclosed quote quadratic in the lines that follow.
        """
        more: list[str] = []
        while True:
            line = self._read_line()
            if line is None:
                raise PabulibError(f"malformed quoted cell: {exc}", start) from None
            more.append(line)
            if line.count('"') % 2 == 1:
                return "".join(more)

    def content_row(self) -> list[str] | None:
        """Return the next row that is not blank."""
        while True:
            row = self.row()
            if row is None or any(c.strip() for c in row):
                return row


def read(path: str | os.PathLike[str]) -> PabulibFile:
    """Read a pabulib file from disk; raise PabulibError (with line number) if it is malformed."""
    spath = os.fspath(path)
    try:
        with open(spath, encoding="utf-8-sig", newline="") as stream:
            pb = _parse(stream)
    except PabulibError as exc:
        line = exc.line
        if exc.reason == _NOT_UTF8:
            # Decoding runs ahead of the line being parsed: locate the bad bytes precisely.
            line = _first_non_utf8_line(spath) or line
        raise PabulibError(exc.reason, line, spath) from None
    except OSError as exc:
        raise PabulibError(f"cannot read file: {exc.strerror or exc}", None, spath) from None
    pb.path = spath
    return pb


def _first_non_utf8_line(path: str) -> int | None:
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def read_string(text: str) -> PabulibFile:
    """Parse pabulib content held in a string (a leading BOM is accepted)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return _parse(io.StringIO(text, newline=""))


def _parse(stream: IO[str]) -> PabulibFile:
    with gc_paused():
        return _parse_sections(stream)


def _parse_sections(stream: IO[str]) -> PabulibFile:
    rows = _Lines(stream)
    meta: dict[str, str] = {}
    warnings: list[str] = []
    row = rows.content_row()
    if row is None:
        raise PabulibError("empty file: no META section", max(rows.line, 1))
    if row[0].strip().lower() != "meta":
        raise PabulibError(f"file must start with a META section, found {row[0].strip()[:40]!r}", rows.line)

    header_seen = False
    projects_header: list[str] | None = None
    while (row := rows.content_row()) is not None:
        first = row[0].strip()
        low = first.lower()
        if low == "projects":
            projects_header = [c.strip() for c in (rows.content_row() or [])]
            break
        if low in ("meta", "votes"):
            raise PabulibError(f"unexpected {first} section: expected PROJECTS after META", rows.line)
        if not header_seen:
            header_seen = True
            if [c.strip().lower() for c in row[:2]] == ["key", "value"]:
                continue
        if len(row) > 2 and any(c.strip() for c in row[2:]):
            raise PabulibError(f"META row {first!r} has {len(row)} cells, expected key;value", rows.line)
        if not first:
            raise PabulibError("META row with an empty key", rows.line)
        if first in meta:
            raise PabulibError(f"META key {first!r} appears twice", rows.line)
        meta[first] = row[1].strip() if len(row) > 1 else ""
    if projects_header is None:
        raise PabulibError("missing PROJECTS section", max(rows.line, 1))

    hline = rows.line
    vote_type_raw = meta.get("vote_type")
    if vote_type_raw is None:
        raise PabulibError("META has no vote_type", hline)
    if vote_type_raw not in BALLOT_KINDS:
        raise PabulibError(f"unsupported vote_type {vote_type_raw!r}", hline)
    vote_type: BallotKind = vote_type_raw
    if "budget" not in meta:
        raise PabulibError("META has no budget", hline)
    budget = _amount(meta["budget"], "META budget", hline)
    meta["budget"] = format_number(budget)

    if not projects_header or projects_header[0] != "project_id":
        raise PabulibError("PROJECTS header must start with project_id", hline)
    if "cost" not in projects_header:
        raise PabulibError("PROJECTS header has no cost column", hline)
    if len(set(projects_header)) != len(projects_header):
        raise PabulibError("PROJECTS header repeats a column name", hline)
    cost_i = projects_header.index("cost")
    ncols = len(projects_header)
    others = [(i, c) for i, c in enumerate(projects_header) if i not in (0, cost_i)]
    projects: list[PabulibProject] = []
    seen: set[str] = set()
    votes_header: list[str] | None = None
    while (row := rows.content_row()) is not None:
        first = row[0].strip()
        if first.lower() == "votes":
            votes_header = [c.strip() for c in (rows.content_row() or [])]
            break
        if first.lower() in ("meta", "projects"):
            raise PabulibError(f"unexpected {first} section: expected VOTES after PROJECTS", rows.line)
        row = _fit(row, ncols, rows.line, "PROJECTS")
        if not first or first == "None":
            raise PabulibError("PROJECTS row with an empty project_id", rows.line)
        if first in seen:
            raise PabulibError(f"project_id {first!r} appears twice", rows.line)
        seen.add(first)
        cost = _amount(row[cost_i], f"cost of project {_short(first)}", rows.line)
        fields: dict[str, str | None] = {}
        for i, c in others:
            val = _cell(row[i])
            fields[c] = _list_cell(val) if c in LIST_COLUMNS else val
        projects.append(PabulibProject(first, cost, fields))
    if votes_header is None:
        raise PabulibError("missing VOTES section", max(rows.line, 1))
    project_columns = _canonical(projects_header, PROJECT_COLUMNS_ORDER)
    for p in projects:
        # Store cells in canonical column order so that equality ignores the file's column order.
        p.fields.update({c: p.fields.pop(c) for c in project_columns if c in p.fields})

    hline = rows.line
    if not votes_header or votes_header[0] != "voter_id":
        raise PabulibError("VOTES header must start with voter_id", hline)
    if "vote" not in votes_header:
        raise PabulibError("VOTES header has no vote column", hline)
    if len(set(votes_header)) != len(votes_header):
        raise PabulibError("VOTES header repeats a column name", hline)
    vote_columns = _canonical(votes_header, VOTE_COLUMNS_ORDER)
    extra_cols = [c for c in vote_columns if c not in ("voter_id", "vote", "points")]
    extra_idx = [votes_header.index(c) for c in extra_cols]
    voters, distinct, dup_lines = _parse_votes(rows, votes_header, extra_idx, vote_type, seen, warnings)
    if dup_lines > 20:
        warnings.append(f"{dup_lines} ballots name a project more than once (counted once)")
    for key, actual in (("num_projects", len(projects)), ("num_votes", len(voters))):
        declared = meta.get(key)
        if declared is not None and declared != str(actual):
            warnings.append(f"META {key} is {_short(declared)} but the file has {actual}")
    return PabulibFile(
        meta, budget, vote_type, project_columns, projects, vote_columns, voters, None, warnings, distinct
    )


# Builds a group from (projects, points, weight) at C speed.
_new_group = cast(Callable[[tuple[object, ...]], BallotGroup], partial(tuple.__new__, BallotGroup))
# Builds a voter from its cells at C speed (calling the NamedTuple class runs Python code per row).
_new_voter = cast(Callable[[tuple[object, ...]], PabulibVoter], partial(tuple.__new__, PabulibVoter))


def _parse_votes(
    rows: _Lines,
    header: list[str],
    extra_idx: list[int],
    vote_type: BallotKind,
    known: set[str],
    warnings: list[str],
) -> tuple[VoterRows, _DistinctBallots, int]:
    # This dominates parse time on big files (see bench/tally.py): rows are split and checked a column
    # at a time with map/zip/set, which run at C speed; only odd rows take a Python path.
    hline = rows.line
    nv = len(header)
    vote_i = header.index("vote")
    points_i = header.index("points") if "points" in header else -1
    needs_points = vote_type in ("cumulative", "scoring")
    if needs_points and points_i < 0:
        raise PabulibError(f"{vote_type} ballots need a points column", hline)
    try:
        lines = list(rows.raw_lines())
    except UnicodeDecodeError:
        raise PabulibError(_NOT_UTF8, rows.line + 1) from None
    # Fast path: every line a plain row of nv cells with the extra cells last. Splitting off the
    # extra cells as one tail string, parsed once per distinct tail, halves the strings created;
    # any irregular line sends the whole section through the general path.
    lead = max(vote_i, points_i) + 1
    stop: PabulibError | None = None
    numbers: list[int] | None = None
    extras: Iterable[tuple[str | None, ...]] = repeat(())
    cols: list[tuple[str, ...]] = []
    if all(i >= lead for i in extra_idx) and not any(map(contains, lines, repeat('"'))):
        if lead == nv:
            lines = list(map(str.rstrip, lines, repeat("\r\n")))
        parts = list(map(str.split, lines, repeat(";"), repeat(lead)))
        if not set(map(len, parts)) - {min(nv, lead + 1)}:
            cols = list(zip(*parts, strict=True)) if parts else [()] * (lead + 1)
            if extra_idx:
                tails = _tail_extras(cols[lead], [i - lead for i in extra_idx], nv - lead)
                if tails is None:
                    cols = []
                else:
                    extras = tails
    if not cols:
        table, numbers = _split_rows(lines, hline)
        if set(map(len, table)) - {nv}:
            table, numbers, stop = _regular(table, numbers, nv, hline)
        cols = list(zip(*table, strict=True)) if table else [()] * nv
        if extra_idx:
            extras = _column_extras(cols, extra_idx)
    # Problems found column by column as (line, position in the row, message): the first one is raised.
    fail: list[tuple[int, int, str]] = []

    def line_of(i: int) -> int:
        return numbers[i] if numbers is not None else hline + 1 + i

    n = len(cols[0])
    vids = list(map(str.strip, cols[0]))
    if "" in vids:
        fail.append((line_of(vids.index("")), 0, "VOTES row with an empty voter_id"))
    parsed, repeats, distinct = _vote_ids(cols[vote_i], vids, known, line_of, fail)
    votes: Iterable[tuple[str, ...]] = map(parsed.__getitem__, cols[vote_i])
    dups = list(compress(range(n), map(repeats.__contains__, cols[vote_i]))) if repeats else []
    for i in dups[:20]:
        warnings.append(f"line {line_of(i)}: voter {vids[i]!r} names a project more than once (counted once)")
    points: list[tuple[Number, ...] | None] | repeat[None] = repeat(None)
    if points_i >= 0:
        votes = list(votes)
        points = _points(cols[points_i], votes, vids, needs_points, line_of, fail)
    if fail or stop is not None:
        first = min(fail, default=None)
        if first is not None and (stop is None or stop.line is None or first[0] < stop.line):
            raise PabulibError(first[2], first[0])
        assert stop is not None
        raise stop

    def build() -> tuple[PabulibVoter, ...]:
        return tuple(map(_new_voter, zip(vids, votes, points, extras, strict=False)))

    voters = VoterRows(n, build)
    return voters, _DistinctBallots(voters, *distinct, bool(repeats)), len(dups)


def _split_rows(lines: list[str], hline: int) -> tuple[list[list[str]], list[int] | None]:
    """Return the rows split into cells and their line numbers (None: one row per line)."""
    if not any(map(contains, lines, repeat('"'))):
        return list(map(str.split, map(str.rstrip, lines, repeat("\r\n")), repeat(";"))), None
    # A quoted cell may span lines: go line by line.
    sub = _Lines(lines)
    sub.line = hline
    table: list[list[str]] = []
    numbers: list[int] = []
    while (row := sub.row()) is not None:
        table.append(row)
        numbers.append(sub.line)
    return table, numbers


def _tail_extras(tails: tuple[str, ...], pick: list[int], n: int) -> Iterator[tuple[str | None, ...]] | None:
    """Return each row's extra cells from the raw end of its line (None unless every tail has n cells)."""
    # One shared tuple per distinct tail: few distinct (age, sex, district) combinations.
    norm: dict[str, tuple[str | None, ...]] = {}
    for tail in set(tails):
        cells = tail.rstrip("\r\n").split(";")
        if len(cells) != n:
            return None
        norm[tail] = tuple([None if cells[i] in _NO_VALUE else cells[i] for i in pick])
    return map(norm.__getitem__, tails)  # iterated once, when the rows are built


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
            if not any(c.strip() for c in row):
                continue
            if row[0].strip().lower() in ("meta", "projects", "votes"):
                return kept, lines, PabulibError(f"unexpected {row[0].strip()} section after VOTES", line)
            try:
                row = _fit(row, n, line, "VOTES")
            except PabulibError as exc:
                return kept, lines, exc
        kept.append(row)
        lines.append(line)
    return kept, lines, None


def _vote_ids(
    cells: tuple[str, ...],
    vids: list[str],
    known: set[str],
    line_of: Callable[[int], int],
    fail: list[tuple[int, int, str]],
) -> tuple[dict[str, tuple[str, ...]], set[str], tuple[list[tuple[str, ...]], list[int]]]:
    """Return each distinct cell's project ids, the cells naming a project twice and the distinct ballots.

    Unknown ids are noted in `fail`. The distinct ballots (each parsed tuple once, first-seen order,
    with the number of rows holding it) let `PabulibFile.election` group without counting again.
    """
    # Each distinct cell is parsed once and its tuple shared by the rows holding it.
    counted = Counter(cells)
    distinct = list(counted)
    splits = list(map(str.split, distinct, repeat(",")))
    tuples = list(map(tuple, splits))
    parsed: dict[str, tuple[str, ...]] = dict(zip(distinct, tuples, strict=True))
    odd = not known.issuperset(chain.from_iterable(splits))
    if odd:
        unknown = set(chain.from_iterable(splits)) - known
        # Some cells hold spaces, empty items, "None" or unknown ids: parse those one by one.
        bad: dict[str, str] = {}
        for cell, clean in zip(distinct, map(unknown.isdisjoint, splits), strict=True):
            if not clean:
                ids = _parse_ids(cell, known)
                if isinstance(ids, str):
                    bad[cell] = ids
                else:
                    parsed[cell] = ids
        if bad:
            i = next(compress(range(len(cells)), map(bad.__contains__, cells)))
            fail.append((line_of(i), 1, f"voter {vids[i]!r} votes for unknown project {bad[cells[i]]!r}"))
        tuples = list(parsed.values())
    # Sets built and dropped one at a time are cheap; keeping thousands alive is not.
    repeats = set(compress(parsed, map(ne, map(len, tuples), map(len, map(set, tuples)))))
    weights = list(counted.values())
    if odd:
        # Clean cells map one-to-one to tuples; cleaned-up odd ones ("1, 2") may equal another.
        by_value: Counter[tuple[str, ...]] = Counter()
        for ids, n in zip(tuples, weights, strict=True):
            by_value[ids] += n
        tuples, weights = list(by_value), list(by_value.values())
    return parsed, repeats, (tuples, weights)


def _parse_ids(cell: str, known: set[str]) -> tuple[str, ...] | str:
    """Return the ids of a vote cell, or the first unknown id."""
    if " " in cell or "\t" in cell:
        ids = tuple(x.strip() for x in cell.split(",") if x.strip())
    else:
        ids = tuple(x for x in cell.split(",") if x)
    if len(ids) == 1 and ids[0] == "None":
        return ()
    return next((x for x in ids if x not in known), ids)


def _points(
    cells: tuple[str, ...],
    votes: list[tuple[str, ...]],
    vids: list[str],
    needs_points: bool,
    line_of: Callable[[int], int],
    fail: list[tuple[int, int, str]],
) -> list[tuple[Number, ...] | None]:
    """Return each row's points (None when the cell is empty); record the first problem in `fail`."""
    out: list[tuple[Number, ...] | None] = []
    for i, (cell, ids) in enumerate(zip(cells, votes, strict=True)):
        pcell = cell.strip()
        pts: tuple[Number, ...] | None = None
        if pcell and pcell != "None":
            try:
                pts = tuple([_num(x) for x in pcell.split(",")])
            except ValueError:
                fail.append(
                    (
                        line_of(i),
                        2,
                        f"points of voter {vids[i]!r} are not numbers between {-MAX_POINTS} and "
                        f"{MAX_POINTS}: {_short(pcell)}",
                    )
                )
                break
            if len(pts) != len(ids):
                fail.append(
                    (line_of(i), 2, f"voter {vids[i]!r} has {len(ids)} projects but {len(pts)} points")
                )
                break
        elif needs_points and ids:
            fail.append((line_of(i), 2, f"voter {vids[i]!r} has projects but no points"))
            break
        out.append(pts)
    return out


def _num(text: str) -> Number:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(text)
    try:
        value: Number = int(text)
    except ValueError:
        value = limited_number(text, limit=MAX_POINTS)
    if not -MAX_POINTS <= value <= MAX_POINTS:
        raise ValueError(text)
    return value


def _fit(row: list[str], n: int, line: int, section: str) -> list[str]:
    if len(row) < n:
        return row + [""] * (n - len(row))
    if any(c.strip() for c in row[n:]):
        raise PabulibError(f"{section} row has {len(row)} cells but the header has {n}", line)
    return row[:n]


def _out(column: str, value: str | None) -> str:
    if value is None:
        return "" if column in NULLABLE_COLUMNS else "None"
    return value


def write_string(pb: PabulibFile) -> str:
    """Return the file as pabulib text: META in its order, canonical columns, exact numbers."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["META"])
    w.writerow(["key", "value"])
    meta = dict(pb.meta)
    meta["budget"] = format_number(pb.budget)
    for key, value in meta.items():
        w.writerow([key, value])
    w.writerow(["PROJECTS"])
    w.writerow(pb.project_columns)
    rest = [c for c in pb.project_columns if c not in ("project_id", "cost")]
    for p in pb.projects:
        w.writerow([p.id, format_number(p.cost), *(_out(c, p.fields.get(c)) for c in rest)])
    w.writerow(["VOTES"])
    w.writerow(pb.vote_columns)
    extra = pb.vote_extra_columns
    for v in pb.voters:
        cells: dict[str, str] = {
            "voter_id": v.voter_id,
            "vote": ",".join(v.vote),
            "points": ",".join(format_number(x) for x in v.points) if v.points is not None else "",
        }
        for c, val in zip(extra, v.extra, strict=False):
            cells[c] = _out(c, val)
        w.writerow([cells[c] for c in pb.vote_columns])
    return buf.getvalue()


def write(pb: PabulibFile, path: str | os.PathLike[str]) -> None:
    """Write the file to disk as UTF-8 with LF line endings."""
    with open(os.fspath(path), "w", encoding="utf-8", newline="") as f:
        f.write(write_string(pb))


def project_scores(pb: PabulibFile) -> dict[str, Number]:
    """Return each project's pabulib score: the `score` column, else `votes`, else computed from ballots."""
    for col in ("score", "votes"):
        if col in pb.project_columns:
            out: dict[str, Number] = {}
            ok = True
            for p in pb.projects:
                cell = p.fields.get(col)
                if cell is None:
                    ok = False
                    break
                try:
                    out[p.id] = limited_number(cell, limit=MAX_SCORE)
                except ValueError:
                    ok = False
                    break
            if ok:
                return out
    return computed_scores(pb.election())


def computed_scores(election: Election) -> dict[str, Number]:
    """Return pabulib scores from ballots: approvals, points, or L - position for rankings of length L."""
    scores: dict[str, Number] = {p.id: 0 for p in election.projects}
    for g in election.groups:
        if election.kind in ("cumulative", "scoring") and g.points is not None:
            for pid, pt in zip(g.projects, g.points, strict=False):
                scores[pid] += pt * g.weight
        elif election.kind == "ordinal":
            n = len(g.projects)
            for pos, pid in enumerate(g.projects):
                scores[pid] += (n - pos) * g.weight
        else:
            for pid in g.projects:
                scores[pid] += g.weight
    return {k: (v if isinstance(v, int) else Fraction(v)) for k, v in scores.items()}
