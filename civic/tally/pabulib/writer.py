"""Write pabulib files the pabulib checker accepts, and compute project scores."""

from __future__ import annotations

import csv
import io
import os
from fractions import Fraction

from civic.tally.model import Election, Number, format_number
from civic.tally.pabulib.file import PabulibFile
from civic.tally.pabulib.numbers import MAX_SCORE, limited_number

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
