"""The PROJECTS section: one row per project, ids unique, costs exact and sane."""

from __future__ import annotations

from typing import NamedTuple

from civic.tally.errors import PabulibError
from civic.tally.pabulib.file import PROJECT_COLUMNS_ORDER, PabulibProject
from civic.tally.pabulib.lines import Lines, fit, header
from civic.tally.pabulib.numbers import amount, short

# Comma-separated list cells: items are stored without surrounding spaces, as the format requires.
LIST_COLUMNS = frozenset({"category", "categories", "beneficiaries", "target", "targets"})


class Projects(NamedTuple):
    """The projects in file order, their columns in canonical order, and the VOTES header."""

    columns: list[str]
    projects: list[PabulibProject]
    votes_header: list[str]


def read_projects(lines: Lines, projects_header: list[str]) -> Projects:
    """Read the PROJECTS rows up to the VOTES header; PabulibError on a malformed row."""
    hline = lines.line
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
    while (row := lines.content_row()) is not None:
        first = row[0].strip()
        if first.lower() == "votes":
            votes_header = header(lines.content_row())
            break
        if first.lower() in ("meta", "projects"):
            raise PabulibError(f"unexpected {first} section: expected VOTES after PROJECTS", lines.line)
        row = fit(row, ncols, lines.line, "PROJECTS")
        if not first or first == "None":
            raise PabulibError("PROJECTS row with an empty project_id", lines.line)
        if first in seen:
            raise PabulibError(f"project_id {first!r} appears twice", lines.line)
        seen.add(first)
        cost = amount(row[cost_i], f"cost of project {short(first)}", lines.line)
        fields: dict[str, str | None] = {}
        for i, c in others:
            val = _cell(row[i])
            fields[c] = _list_cell(val) if c in LIST_COLUMNS else val
        projects.append(PabulibProject(first, cost, fields))
    if votes_header is None:
        raise PabulibError("missing VOTES section", max(lines.line, 1))
    columns = canonical(projects_header, PROJECT_COLUMNS_ORDER)
    for p in projects:
        # Store cells in canonical column order so that equality ignores the file's column order.
        p.fields.update({c: p.fields.pop(c) for c in columns if c in p.fields})
    return Projects(columns, projects, votes_header)


def canonical(columns: list[str], order: tuple[str, ...]) -> list[str]:
    """Return the columns with the known ones first, in the format's order."""
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
