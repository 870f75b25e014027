"""The add1 completions of Equal Shares: raise the per-voter budget by 1 until the outcome is final."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Literal

from civic.tally.model import Election, Number, gc_paused, normalize
from civic.tally.outcome import MESExplanation, Outcome
from civic.tally.rules.common import _frac, _outcome
from civic.tally.rules.interval import Certifier
from civic.tally.rules.mes import _MES, _MESRun, _start_budget

# Called by the rules that raise the per-voter budget step by step (mes-add1, mes-add1-official) with
# the number of increments tried so far and the per-voter budget being tried; long counts use it to
# show how far they are. It may raise to stop the count (the exception propagates unchanged).
Progress = Callable[[int, Number], None]


def _no_progress(_steps: int, _per_voter: Number) -> None:
    return None


def _ranks(m: _MES, key: Callable[[int], object]) -> list[int]:
    """Return each project's place in the tie-breaking order given by `key`."""
    rank = [0] * len(m.costs)
    for place, j in enumerate(sorted(range(len(m.costs)), key=key)):  # type: ignore[arg-type]
        rank[j] = place
    return rank


class _Leaps:
    """Decide when to try proving that the next increments keep the outcome, and over how many.

    After a proof of k increments the next tries 2k; after a failure, the margin that failed tells
    whether the outcome is about to change (it shrinks to zero inside the interval: the next try stops
    just before that zero) or the bounds are just too loose (it fails at the start: halve). Where the
    outcome changes every few increments, plain runs are cheaper: when a series saved less time than
    its proofs took, the loop waits for more identical plain runs before the next series (and for
    fewer when it paid). Timing only chooses between two exact paths: the outcome never depends on it.
    """

    def __init__(self, cert: Certifier) -> None:
        self.cert = cert
        self.k = 1  # the next length to try (0: take a plain step first)
        self.target: Fraction | None = None  # where a failed margin was heading to zero
        self.patience = 0
        self.same = 0
        self.last: list[int] | None = None
        self.gained = self.good = 0
        self.scale = 1
        self.spent = 0.0
        self.run_time = 0.0

    def ran(self, selected: list[int], seconds: float) -> None:
        """Note the outcome of a plain run and how long it took."""
        if selected == self.last:
            self.same += 1
        else:
            self.same = 0
        self.k = max(1, self.scale // 4)
        self.target = None
        self.last = selected
        self.run_time = seconds if not self.run_time else 0.8 * self.run_time + 0.2 * seconds

    def proven(self, b: Fraction, selected: list[int]) -> int:
        """Return how many increments from b are proven to give `selected` (0: take a plain step)."""
        if self.same < self.patience or not self.k:
            return 0
        k = self.k
        failed = closing = False
        while k >= 1:
            t = time.perf_counter()
            ok = self.cert.same(b, k, selected)
            self.spent += time.perf_counter() - t
            if ok:
                self.gained += k
                self.good = max(self.good, k)
                if self.target is not None:
                    # Close to where a margin was heading to zero: go no further than that.
                    self.k = math.floor(self.target - b - k)
                elif closing:
                    # Failed at the start with the margin shrinking: a change is near, approach it.
                    self.k = max(1, k // 2)
                else:
                    self.k = k if failed else 2 * k
                return k
            failed = True
            fail = self.cert.fail
            if 0 < fail < 1:
                break
            if fail >= 1:
                self.target = b + Fraction(fail)
                k = min(k - 1, math.floor(fail))
            else:
                closing = self.cert.closing
                k //= 2
        if self.gained * self.run_time < self.spent:
            self.patience = min(32, 2 * self.patience or 1)
        else:
            self.patience //= 2
        self.scale = self.good or self.scale
        self.same = self.gained = self.good = 0
        self.spent = 0.0
        return 0


def _timed_run(m: _MES, b: Fraction, tie: Callable[[list[int]], int], leaps: _Leaps) -> _MESRun:
    t = time.perf_counter()
    run = m.run(b, tie, False)
    leaps.ran(run.selected, time.perf_counter() - t)
    return run


def _add1_pabutools(m: _MES, progress: Progress) -> tuple[Fraction, int]:
    """Return the per-voter budget pabutools' add1 loop keeps, and its number of increments."""
    e = m.e
    b0 = _start_budget(e)
    budget = e.budget
    costs = m.costs
    leaps = _Leaps(Certifier(m, b0, _ranks(m, m.ids.__getitem__)))
    b = prev_b = b0
    progress(0, normalize(b))
    run = _timed_run(m, b, m.lexico, leaps)
    while True:
        spent = sum(costs[j] for j in run.selected)
        if spent > budget:
            return prev_b, int(prev_b - b0)
        chosen = set(run.selected)
        # pabutools' test: exhaustive with respect to the projects MES could buy (positive cost,
        # at least one supporter); unsupported or zero-cost projects do not keep it going.
        if all(j in chosen or spent + costs[j] > budget for j in m.eligible):
            return b, int(b - b0)
        steps = leaps.proven(b, run.selected)
        if steps:
            # b + 1 .. b + steps give this same outcome: neither over budget nor exhaustive.
            b += steps
            progress(int(b - b0), normalize(b))
            continue
        prev_b = b
        b += 1
        progress(int(b - b0), normalize(b))
        run = _timed_run(m, b, m.lexico, leaps)


def mes_add1(election: Election, progress: Progress | None = None) -> Outcome:
    """MES with per-voter budget +1 until exhaustive (pabutools voter_budget_increment=1, Cost_Sat).

    As pabutools: stop at the first exhaustive outcome, or return the previous outcome as soon as
    one overspends the real budget. `progress` is called before each per-voter budget is tried.
    """
    with gc_paused():
        m = _MES(election, replay=True)
        if m.n == 0:
            return _outcome("mes-add1", election, [], MESExplanation(0, 0, 0, (), ()))
        b, steps = _add1_pabutools(m, progress or _no_progress)
        # The loop runs without explanations (they cost more than MES itself); explain the kept run.
        run = m.run(b, m.lexico, True)
        return _outcome(
            "mes-add1", election, run.selected, m.explanation(_start_budget(election), b, steps, run)
        )


ComparisonMode = Literal["cost", "cardinality"]


def mes_add1_official(
    election: Election,
    comparison: bool = False,
    comparison_mode: ComparisonMode = "cardinality",
    progress: Progress | None = None,
) -> Outcome:
    """Equal Shares as cities run it (equalshares.net "add1"), optionally with the comparison step.

    Start from MES with the real budget; then try per-voter budgets floor(B/n)+1, +2, ... and keep
    the last outcome that stays within the real budget (unlike pabutools there is no stop at the
    first exhaustive outcome: Wieliczka 2023's result needs the last feasible one). Ties: lower cost,
    then more approvals, then PROJECTS row order. Comparison step: if more voters prefer the
    greedy-by-approvals outcome than the MES one, greedy wins; a voter's preference compares its
    approved winners by number ("cardinality": what pabulib's checker verifies, and the default) or
    by their total cost ("cost"). Both reproduce Wieliczka 2023 (MES wins either way).
    `progress` is called before each per-voter budget is tried.
    """
    with gc_paused():
        m = _MES(election, replay=True)
        if m.n == 0:
            return _outcome("mes-add1-official", election, [], MESExplanation(0, 0, 0, (), ()))
        n = m.n
        budget = election.budget
        costs = m.costs
        b0 = _start_budget(election)
        run = m.run(b0, m.cost_then_approvals, False)
        used_b = b0
        steps = 0
        per_voter = Fraction(int(_frac(budget) // n))
        first_step = per_voter
        report = progress or _no_progress
        eligible = set(m.eligible)
        # No exhaustiveness stop (Wieliczka 2023 needs the last feasible budget even past an exhaustive
        # outcome); once every project MES could buy is bought, more money changes nothing.
        leaps = _Leaps(Certifier(m, first_step, _ranks(m, lambda j: (costs[j], -m.count[j], j))))
        while not eligible.issubset(run.selected):
            if used_b == per_voter:
                proven = leaps.proven(per_voter, run.selected)
                if proven:
                    per_voter += proven
                    used_b = per_voter
                    report(int(per_voter - first_step), normalize(per_voter))
                    continue
            per_voter += 1
            report(int(per_voter - first_step), normalize(per_voter))
            nxt = _timed_run(m, per_voter, m.cost_then_approvals, leaps)
            if sum(costs[j] for j in nxt.selected) > budget:
                break
            run, used_b = nxt, per_voter
        steps = int(used_b - Fraction(int(_frac(budget) // n))) if used_b != b0 else 0
        # The loop runs without explanations (they cost more than MES itself); explain the kept run.
        run = m.run(used_b, m.cost_then_approvals, True)
        expl = m.explanation(b0, used_b, steps, run)
        selected = run.selected
        notes: tuple[str, ...] = ()
        if comparison:
            greedy_sel = _greedy_by_approvals(election, m)
            pref_mes, pref_greedy = _compare(m, selected, greedy_sel, comparison_mode)
            info = {
                "mode": comparison_mode,
                "greedy_selected": [m.ids[j] for j in greedy_sel],
                "voters_preferring_mes": pref_mes,
                "voters_preferring_greedy": pref_greedy,
                "winner": "greedy" if pref_greedy > pref_mes else "mes",
            }
            expl = MESExplanation(
                expl.initial_budget_per_voter,
                expl.budget_per_voter,
                expl.increments,
                expl.rounds,
                expl.rejected,
                None,
                info,
            )
            if pref_greedy > pref_mes:
                selected = greedy_sel
                notes = ("comparison step: more voters prefer the greedy outcome",)
        return _outcome("mes-add1-official", election, selected, expl, notes)


def _greedy_by_approvals(election: Election, m: _MES) -> list[int]:
    order = sorted(range(len(m.costs)), key=lambda j: -m.count[j])
    left = election.budget
    out: list[int] = []
    for j in order:
        if m.costs[j] <= left:
            out.append(j)
            left -= m.costs[j]
    return out


def _compare(m: _MES, a: list[int], b: list[int], mode: ComparisonMode) -> tuple[int, int]:
    sa, sb = set(a), set(b)
    pa = pb = 0
    for ballot, w in zip(m.ballots, m.weights, strict=False):
        if mode == "cardinality":
            ua: Number = sum(1 for j in ballot if j in sa)
            ub: Number = sum(1 for j in ballot if j in sb)
        else:
            ua = sum(m.costs[j] for j in ballot if j in sa)
            ub = sum(m.costs[j] for j in ballot if j in sb)
        if ua > ub:
            pa += w
        elif ub > ua:
            pb += w
    return pa, pb
