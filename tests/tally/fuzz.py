"""Compare every Civic rule with pabutools 1.2.3 on one generated election (shared by the test and the bench).

Both sides read the same .pb file with their own reader (Civic's `pabulib.read`, pabutools'
`parse_pabulib`), so the comparison covers reading as well as counting. `mes-add1-official` has no
pabutools rule; its reference is built from pabutools' own MES round (`method_of_equal_shares_scheme`)
run at per-voter budgets B/n, floor(B/n)+1, +2, ... with equalshares.net's tie-breaking, keeping the
last outcome within the budget, as the rule is specified (see `civic.tally.rules.mes_add1_official`).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.fractions import frac
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
from pabutools.tiebreaking import TieBreakingRule

from civic.tally import api, pabulib
from tests.tally import pabutools_ref, shapes

OFFICIAL = "mes-add1-official"


@dataclass(frozen=True)
class Finding:
    """A crash or a difference of one Civic rule on one election."""

    shape: str
    name: str
    rule: str
    what: str  # "crash" or "difference"
    detail: str


def rules_for(kind: str) -> tuple[str, ...]:
    """Return every rule compared on this ballot kind (pabutools' rules, plus the official add1)."""
    base = pabutools_ref.rules_for(kind)
    return (*base, OFFICIAL) if kind in ("approval", "choose-1") else base


def official_reference(inst: Any, prof: Any, row: dict[str, int]) -> list[str]:
    """Return mes-add1-official's outcome computed with pabutools' MES round."""
    n = prof.num_ballots()
    sat_profile = prof.as_sat_profile(sat_class=Cost_Sat)
    approvals = {p: prof.approval_score(p) for p in inst}
    # equalshares.net: lower cost, then more approvals, then PROJECTS row order.
    tie = TieBreakingRule(lambda _inst, _prof, p: (p.cost, -approvals[p], row[p.name]))

    def run(per_voter: Any) -> list[Any]:
        return list(
            method_of_equal_shares_scheme(inst, prof, sat_profile, per_voter, [], tie, binary_sat=True)
        )

    budget = inst.budget_limit
    out = run(frac(budget, n))
    per_voter = int(budget // n)
    buyable = {p for p in inst if p.cost > 0 and approvals[p] > 0}
    while not buyable <= set(out):
        per_voter += 1
        nxt = run(per_voter)
        if sum(p.cost for p in nxt) > budget:
            break
        out = nxt
    return [p.name for p in out]


def compare(
    e: shapes.Shaped, directory: Path, rules: tuple[str, ...] | None = None
) -> tuple[int, list[Finding]]:
    """Count `e` with every applicable rule on both sides; return (rules compared, findings)."""
    path = shapes.write(e, directory)
    findings: list[Finding] = []
    try:
        pb = pabulib.read(path)
        election = pb.election()
    except Exception:
        return 0, [Finding(e.shape, e.name, "read", "crash", traceback.format_exc(limit=-3))]
    inst, prof = parse_pabulib(str(path))
    row = {p.id: i for i, p in enumerate(pb.projects)}
    compared = 0
    for rule in rules_for(election.kind):
        if rules is not None and rule not in rules:
            continue
        compared += 1
        if rule == OFFICIAL:
            expected = official_reference(inst, prof, row)
        else:
            expected = pabutools_ref.run(rule, election.kind, inst, prof)
        try:
            got = list(api.count(election, rule).selected)
        except Exception:
            findings.append(Finding(e.shape, e.name, rule, "crash", traceback.format_exc(limit=-3)))
            continue
        if rule in pabutools_ref.UNORDERED_RULES:
            got, expected = sorted(got), sorted(expected)
        if got != expected:
            findings.append(Finding(e.shape, e.name, rule, "difference", f"civic {got} pabutools {expected}"))
    return compared, findings
