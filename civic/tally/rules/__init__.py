"""Counting rules, identical to pabutools 1.2.3 (exact arithmetic, same tie-breaking).

Speed comes from grouped ballots and float arithmetic; exactness from recomputing with Fractions
every value that decides something (a winner, a tie, affordability) whenever floats are within
a relative 1e-9 of each other. Floats here are always correctly rounded from exact values (budget
classes are stored exactly and converted once), so their error is ~1e-15, far inside that margin.
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
