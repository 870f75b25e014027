"""Read a pabulib file: META, then PROJECTS, then VOTES, each by its own reader."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable

from civic.tally.errors import PabulibError
from civic.tally.model import gc_paused
from civic.tally.pabulib.file import VOTE_COLUMNS_ORDER, PabulibFile
from civic.tally.pabulib.lines import NOT_UTF8, Lines
from civic.tally.pabulib.meta import read_meta
from civic.tally.pabulib.numbers import short
from civic.tally.pabulib.projects import canonical, read_projects
from civic.tally.pabulib.votes import read_votes


def read(path: str | os.PathLike[str]) -> PabulibFile:
    """Read a pabulib file from disk; raise PabulibError (with line number) if it is malformed."""
    spath = os.fspath(path)
    try:
        with open(spath, encoding="utf-8-sig", newline="") as stream:
            pb = _parse(stream)
    except PabulibError as exc:
        line = exc.line
        if exc.reason == NOT_UTF8:
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


def _parse(stream: Iterable[str]) -> PabulibFile:
    with gc_paused():
        return _parse_sections(Lines(stream))


def _parse_sections(lines: Lines) -> PabulibFile:
    meta = read_meta(lines)
    projects = read_projects(lines, meta.projects_header)
    header = projects.votes_header
    hline = lines.line
    if not header or header[0] != "voter_id":
        raise PabulibError("VOTES header must start with voter_id", hline)
    if "vote" not in header:
        raise PabulibError("VOTES header has no vote column", hline)
    if len(set(header)) != len(header):
        raise PabulibError("VOTES header repeats a column name", hline)
    vote_columns = canonical(header, VOTE_COLUMNS_ORDER)
    extra_idx = [header.index(c) for c in vote_columns if c not in ("voter_id", "vote", "points")]
    warnings: list[str] = []
    known = {p.id for p in projects.projects}
    votes = read_votes(lines, header, extra_idx, meta.vote_type, known, warnings)
    for key, actual in (("num_projects", len(projects.projects)), ("num_votes", len(votes.voters))):
        declared = meta.meta.get(key)
        if declared is not None and declared != str(actual):
            warnings.append(f"META {key} is {short(declared)} but the file has {actual}")
    return PabulibFile(
        meta.meta,
        meta.budget,
        meta.vote_type,
        projects.columns,
        projects.projects,
        vote_columns,
        votes.voters,
        None,
        warnings,
        votes.distinct,
    )
