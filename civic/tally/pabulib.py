"""Read and write pabulib `.pb` files (pabulib.org/format), streaming and exact.

`read(path)` returns a `PabulibFile`; any malformed input raises one `PabulibError` carrying the line
number. `write(pbfile, path)` writes a file the pabulib checker accepts; `read(write(read(f))) == read(f)`.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter
from typing import IO, NamedTuple

from civic.tally.errors import PabulibError
from civic.tally.model import (
    BALLOT_KINDS,
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


@dataclass
class PabulibFile:
    """A parsed pabulib file; columns are kept in canonical pabulib order, META in file order."""

    meta: dict[str, str]
    budget: Number
    vote_type: BallotKind
    project_columns: list[str]
    projects: list[PabulibProject]
    vote_columns: list[str]
    voters: list[PabulibVoter]
    path: str | None = field(default=None, compare=False)
    # One-line notes about tolerated oddities (repeated ids in a ballot, count mismatches).
    warnings: list[str] = field(default_factory=list, compare=False)

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
        # Count identical raw rows first (C speed), then normalise each distinct row once.
        if self.vote_type in ("cumulative", "scoring"):
            for (vote, pts), n in Counter(map(_VOTE_POINTS, self.voters)).items():
                grouper.add(vote, pts, n)
        else:
            for vote, n in Counter(map(_VOTE, self.voters)).items():
                grouper.add(vote, None, n)
        return Election(projects, self.budget, self.vote_type, grouper.groups(), grouper.with_duplicates)


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

    def __init__(self, stream: IO[str]) -> None:
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
                more = self._read_line() if buf.count('"') % 2 == 1 else None
                if more is None:
                    raise PabulibError(f"malformed quoted cell: {exc}", start) from None
                buf += more
                continue
            if len(rows) != 1:  # pragma: no cover - a single logical line yields one row
                raise PabulibError("malformed quoted cell", start)
            return rows[0]

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
    try:
        budget = parse_number(meta["budget"])
    except ValueError:
        raise PabulibError(f"META budget is not a number: {meta['budget']!r}", hline) from None
    if budget < 0:
        raise PabulibError("META budget is negative", hline)
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
        try:
            cost = parse_number(row[cost_i])
        except ValueError:
            raise PabulibError(
                f"cost of project {first!r} is not a number: {row[cost_i].strip()!r}", rows.line
            ) from None
        if cost < 0:
            raise PabulibError(f"cost of project {first!r} is negative", rows.line)
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
    voters, dup_lines = _parse_votes(rows, votes_header, extra_idx, vote_type, seen, warnings)
    if dup_lines > 20:
        warnings.append(f"{dup_lines} ballots name a project more than once (counted once)")
    for key, actual in (("num_projects", len(projects)), ("num_votes", len(voters))):
        declared = meta.get(key)
        if declared is not None and declared != str(actual):
            warnings.append(f"META {key} is {declared} but the file has {actual}")
    return PabulibFile(
        meta, budget, vote_type, project_columns, projects, vote_columns, voters, None, warnings
    )


def _parse_votes(
    rows: _Lines,
    header: list[str],
    extra_idx: list[int],
    vote_type: BallotKind,
    known: set[str],
    warnings: list[str],
) -> tuple[list[PabulibVoter], int]:
    # This loop dominates parse time on big files: keep it tight (see bench/tally.py).
    hline = rows.line
    nv = len(header)
    vote_i = header.index("vote")
    points_i = header.index("points") if "points" in header else -1
    needs_points = vote_type in ("cumulative", "scoring")
    if needs_points and points_i < 0:
        raise PabulibError(f"{vote_type} ballots need a points column", hline)
    getter: Callable[[list[str]], tuple[str, ...]]
    if len(extra_idx) >= 2:
        getter = itemgetter(*extra_idx)
    elif len(extra_idx) == 1:
        one = extra_idx[0]

        def getter(cells: list[str]) -> tuple[str, ...]:
            return (cells[one],)

    else:

        def getter(cells: list[str]) -> tuple[str, ...]:
            return ()

    voters: list[PabulibVoter] = []
    append = voters.append
    new = tuple.__new__
    extras: dict[tuple[str, ...], tuple[str | None, ...]] = {}
    dup_lines = 0
    it = rows.raw_lines()
    line = rows.line
    try:
        for raw in it:
            line += 1
            if '"' in raw:
                rows.line = line
                row = rows.quoted(raw)
                line = rows.line
            else:
                row = raw.rstrip("\r\n").split(";")
            if len(row) != nv:
                if not any(c.strip() for c in row):
                    continue
                if row[0].strip().lower() in ("meta", "projects", "votes"):
                    raise PabulibError(f"unexpected {row[0].strip()} section after VOTES", line)
                row = _fit(row, nv, line, "VOTES")
            vid = row[0].strip()
            if not vid:
                raise PabulibError("VOTES row with an empty voter_id", line)
            cell = row[vote_i]
            if " " in cell or "\t" in cell:
                ids = tuple(x.strip() for x in cell.split(",") if x.strip())
            else:
                ids = tuple(cell.split(","))
                if "" in ids:
                    ids = tuple(x for x in ids if x)
            if len(ids) == 1:
                if ids[0] not in known:
                    if ids[0] != "None":
                        raise PabulibError(f"voter {vid!r} votes for unknown project {ids[0]!r}", line)
                    ids = ()
            elif ids:
                uniq = set(ids)
                if not uniq <= known:
                    bad = next(x for x in ids if x not in known)
                    raise PabulibError(f"voter {vid!r} votes for unknown project {bad!r}", line)
                if len(uniq) != len(ids):
                    dup_lines += 1
                    if dup_lines <= 20:
                        warnings.append(
                            f"line {line}: voter {vid!r} names a project more than once (counted once)"
                        )
            pts: tuple[Number, ...] | None = None
            if points_i >= 0:
                pcell = row[points_i].strip()
                if pcell and pcell != "None":
                    try:
                        pts = tuple([_num(x) for x in pcell.split(",")])
                    except ValueError:
                        raise PabulibError(
                            f"points of voter {vid!r} are not numbers: {pcell[:40]!r}", line
                        ) from None
                    if len(pts) != len(ids):
                        raise PabulibError(
                            f"voter {vid!r} has {len(ids)} projects but {len(pts)} points", line
                        )
                elif needs_points and ids:
                    raise PabulibError(f"voter {vid!r} has projects but no points", line)
            raw_extra = getter(row)
            extra = extras.get(raw_extra)
            if extra is None:
                # Extra cells repeat a lot (age, sex, district): normalise and share each distinct tuple once.
                extra = tuple([None if c in _NO_VALUE else c for c in raw_extra])
                extras[raw_extra] = extra
            append(new(PabulibVoter, (vid, ids, pts, extra)))
    except UnicodeDecodeError:
        raise PabulibError(_NOT_UTF8, line + 1) from None
    return voters, dup_lines


def _num(text: str) -> Number:
    try:
        return int(text)
    except ValueError:
        return parse_number(text)


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
                    out[p.id] = parse_number(cell)
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
