"""Counting rules, identical to pabutools 1.2.3 (exact arithmetic, same tie-breaking).

Modules: `greedy` (greedy and greedy-cardinality), `mes` (the Equal Shares engine: one run at a
per-voter budget; mes, mes-greedy), `interval` (proofs that a whole range of per-voter budgets gives
the same selection), `add1` (the completions mes-add1 and mes-add1-official), `phragmen`, `common` (helpers).

Speed comes from grouped ballots and float arithmetic; exactness from recomputing with Fractions
every value that decides something (a winner, a tie, affordability) whenever floats are within
a relative 1e-9 of each other. Floats here are always correctly rounded from exact values (budget
classes are stored exactly and converted once), so their error is ~1e-15, far inside that margin.

Equal Shares glossary (names used in `mes`, `interval` and `add1`):
- per-voter budget: the money each voter starts with, B / n for plain MES; the completions raise it.
- class (budget class): voters holding the same money left. Every voter starts in class 0; paying
  a winner moves a class to a new one (or to -1, nothing left). A ballot group points to its class,
  so a project's supporters are counted as {class: voters}, never voter by voter.
- price q: what each supporter of a project pays for it; supporters with less than q pay all they
  have left ("capped"), the others pay q, and the payments sum to the cost.
- rho: q / cost, the price per unit of (cost) satisfaction; each round buys the affordable project
  with the lowest rho (ties: project id for pabutools, cost then approvals on equalshares.net).
- affordable: its supporters' money left covers its cost; budgets only shrink within a run, so a
  project unaffordable once stays so until the run ends.
- completion: what a rule does after MES stops with money unspent: greedy (mes-greedy) or raising
  the per-voter budget (add1).
- add1: the completion that reruns MES with per-voter budgets +1, +2, ... and keeps an outcome
  (pabutools: the first exhaustive one, or the last within budget; equalshares.net: the last
  within budget).
- interval proof (certificate): MES run on bounds instead of values for every per-voter budget in
  [b, b + K] at once (each class's money between two affine functions of the budget, prices bounded
  by a chord above and a tangent below). When it proves the same selection throughout, add1 skips
  those K increments; a failed proof only means trying a shorter interval or a plain run. (It replaced
  the horizon skip, which stopped wherever any voter started paying less than the full price.)
- replay: add1 reruns MES on one instance with budgets one apart. Which group holds which class
  depends only on the rounds so far (their winners and which classes they emptied), not on the
  budget, so each such state's groups and project counts are remembered and reused by later runs.
"""

from civic.tally.rules.add1 import ComparisonMode, Progress, mes_add1, mes_add1_official
from civic.tally.rules.common import Sat
from civic.tally.rules.greedy import greedy, greedy_cardinality, greedy_order, satisfaction_totals
from civic.tally.rules.mes import mes, mes_greedy
from civic.tally.rules.phragmen import phragmen

__all__ = [
    "ComparisonMode",
    "Progress",
    "Sat",
    "greedy",
    "greedy_cardinality",
    "greedy_order",
    "mes",
    "mes_add1",
    "mes_add1_official",
    "mes_greedy",
    "phragmen",
    "satisfaction_totals",
]
