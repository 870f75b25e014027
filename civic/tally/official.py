"""The `official` rule: apply the election's own META `rule` as pabulib defines it.

Greedy variants rank projects by the file's score (`score` column, else `votes`, else computed
from ballots) from high to low, ties in PROJECTS row order, as cities publish results:
- greedy: fund each project that still fits (skip the others); greedy-exclusive likewise (the
  files carry no exclusivity data, and pabulib verifies them with plain greedy);
- greedy-threshold: the same, considering only projects scoring at least
  META `min_project_score_threshold` (that threshold applies to every greedy variant when present);
- greedy-no-skip and greedy-custom: stop at the first project that does not fit, but pass over the
  withdrawn-project sentinel cost 999999999 (greedy-custom is Poznań's no-skip rule whose 80%
  extra funding is marked selected=2, outside the rule);
- equalshares/add1 (and equalshares) via `mes-add1-official`; the `-comparison` forms add the
  comparison step;
- unknown: plain greedy, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from civic.tally.errors import InvalidElection, RuleNotApplicable
from civic.tally.model import Election, Number, normalize
from civic.tally.outcome import GreedyExplanation, Outcome, ProjectDecision
from civic.tally.pabulib import MAX_SCORE, limited_number
from civic.tally.rules import ComparisonMode, Progress, mes_add1_official
from civic.tally.scores import ballot_scores, official_scores

WITHDRAWN_COST = 999999999
GREEDY_RULES = (
    "greedy",
    "greedy-threshold",
    "greedy-no-skip",
    "greedy-custom",
    "greedy-exclusive",
    "unknown",
)
MES_RULES = ("equalshares", "equalshares-comparison", "equalshares/add1", "equalshares/add1-comparison")


def official_options(
    election: Election,
    rule: str | None,
    threshold: str | None,
    project_cells: Iterable[tuple[str, Mapping[str, Any]]],
) -> dict[str, Any]:
    """Return the `official` rule's options from pabulib data, whether read from a file or stored.

    `rule` and `threshold` are the META `rule` and `min_project_score_threshold` cells (None when
    absent); `project_cells` gives (project id, its PROJECTS cells by column), for the scores.
    """
    options: dict[str, Any] = {
        "official_rule": rule or "unknown",
        "scores": official_scores(election, project_cells),
    }
    if threshold is not None:
        try:
            options["threshold"] = limited_number(threshold, limit=MAX_SCORE)
        except ValueError:
            raise InvalidElection(
                f"min_project_score_threshold is not a sane number: {threshold[:40]!r}"
            ) from None
    return options


def official(
    election: Election,
    rule: str,
    scores: Mapping[str, Number] | None = None,
    threshold: Number | None = None,
    comparison_mode: ComparisonMode = "cardinality",
    progress: Progress | None = None,
) -> Outcome:
    """Count with the election's declared rule; `scores` default to ones computed from ballots."""
    if rule in MES_RULES:
        out = mes_add1_official(
            election,
            comparison=rule.endswith("comparison"),
            comparison_mode=comparison_mode,
            progress=progress,
        )
        return Outcome(
            "official",
            out.selected,
            out.budget,
            out.budget_used,
            out.explanation,
            (f"rule {rule}", *out.notes),
        )
    if rule not in GREEDY_RULES:
        raise RuleNotApplicable(f"official rule {rule!r} is not one pabulib defines")
    if scores is None:
        scores = dict(zip((p.id for p in election.projects), ballot_scores(election), strict=True))
    no_skip = rule in ("greedy-no-skip", "greedy-custom")
    projects = list(election.projects)
    # sorted() is stable: equal scores keep PROJECTS row order, as official results do.
    order = sorted(range(len(projects)), key=lambda j: -scores[projects[j].id])
    left: Number = election.budget
    selected: list[str] = []
    decisions: list[ProjectDecision] = []
    stopped = False
    for rank, j in enumerate(order, start=1):
        p = projects[j]
        score = scores[p.id]
        if stopped:
            decisions.append(ProjectDecision(p.id, p.cost, rank, score, "stopped", left))
        elif threshold is not None and score < threshold:
            decisions.append(ProjectDecision(p.id, p.cost, rank, score, "below_threshold", left))
        elif no_skip and p.cost == WITHDRAWN_COST:
            decisions.append(ProjectDecision(p.id, p.cost, rank, score, "withdrawn", left))
        elif p.cost <= left:
            decisions.append(ProjectDecision(p.id, p.cost, rank, score, "funded", left))
            selected.append(p.id)
            left -= p.cost
        else:
            decisions.append(ProjectDecision(p.id, p.cost, rank, score, "did_not_fit", left))
            stopped = no_skip
    notes = [f"rule {rule}"]
    if rule == "unknown":
        notes.append("the file's rule is unknown: plain greedy by score was applied")
    used = normalize(sum((election.project(i).cost for i in selected), start=0))
    return Outcome(
        "official",
        tuple(selected),
        election.budget,
        used,
        GreedyExplanation("official_score", tuple(decisions)),
        tuple(notes),
    )
