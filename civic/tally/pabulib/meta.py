"""The META section: `key;value` rows, with the budget and the ballot kind checked."""

from __future__ import annotations

from typing import NamedTuple

from civic.tally.errors import PabulibError
from civic.tally.model import BALLOT_KINDS, BallotKind, Number, format_number
from civic.tally.pabulib.lines import Lines, header
from civic.tally.pabulib.numbers import amount


class Meta(NamedTuple):
    """What META says, and the PROJECTS header that ends it."""

    meta: dict[str, str]
    budget: Number
    vote_type: BallotKind
    projects_header: list[str]


def read_meta(lines: Lines) -> Meta:
    """Read the file up to the PROJECTS header; PabulibError on a malformed META section."""
    row = lines.content_row()
    if row is None:
        raise PabulibError("empty file: no META section", max(lines.line, 1))
    if row[0].strip().lower() != "meta":
        raise PabulibError(f"file must start with a META section, found {row[0].strip()[:40]!r}", lines.line)
    meta: dict[str, str] = {}
    header_seen = False
    projects_header: list[str] | None = None
    while (row := lines.content_row()) is not None:
        first = row[0].strip()
        low = first.lower()
        if low == "projects":
            projects_header = header(lines.content_row())
            break
        if low in ("meta", "votes"):
            raise PabulibError(f"unexpected {first} section: expected PROJECTS after META", lines.line)
        if not header_seen:
            header_seen = True
            if [c.strip().lower() for c in row[:2]] == ["key", "value"]:
                continue
        if len(row) > 2 and any(map(str.strip, row[2:])):
            raise PabulibError(f"META row {first!r} has {len(row)} cells, expected key;value", lines.line)
        if not first:
            raise PabulibError("META row with an empty key", lines.line)
        if first in meta:
            raise PabulibError(f"META key {first!r} appears twice", lines.line)
        meta[first] = row[1].strip() if len(row) > 1 else ""
    if projects_header is None:
        raise PabulibError("missing PROJECTS section", max(lines.line, 1))

    hline = lines.line
    vote_type = meta.get("vote_type")
    if vote_type is None:
        raise PabulibError("META has no vote_type", hline)
    if vote_type not in BALLOT_KINDS:
        raise PabulibError(f"unsupported vote_type {vote_type!r}", hline)
    if "budget" not in meta:
        raise PabulibError("META has no budget", hline)
    budget = amount(meta["budget"], "META budget", hline)
    meta["budget"] = format_number(budget)
    return Meta(meta, budget, vote_type, projects_header)
