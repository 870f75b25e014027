"""The Method of Equal Shares engine (cost satisfaction, approval ballots): one run at a budget."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from itertools import compress
from operator import mul

from civic.tally.model import Election, Number, gc_paused, normalize
from civic.tally.outcome import MESExplanation, MESRejection, MESRound, Outcome
from civic.tally.rules.common import (
    EPS,
    _approval_supporters,
    _ballot_indices,
    _frac,
    _outcome,
    _require_approval,
)
from civic.tally.rules.greedy import _greedy_fill


@dataclass
class _MESRun:
    selected: list[int]
    rounds: list[MESRound]
    rejected: list[MESRejection]


class _Budgets:
    """Exact voter budgets of MES, one value per class, as integers over a shared denominator."""

    # Class k holds num[k] / dens[rnd[k]]. Each new denominator is a multiple of the previous ones, so
    # scaling a class to the current denominator `den` is one multiplication: far cheaper than Fractions.
    # `fval` keeps each value correctly rounded to a float (int / int rounds correctly).

    def __init__(self, per_voter: Fraction, cost_den: int) -> None:
        den = math.lcm(per_voter.denominator, cost_den)
        self.den = den
        self.dens = [den]
        self.cof = [1]
        self.num = [per_voter.numerator * (den // per_voter.denominator)]
        self.rnd = [0]
        self.fval = [float(per_voter)]

    def scaled(self, k: int) -> int:
        """Return class k's budget times the current denominator."""
        return self.num[k] * self.cof[self.rnd[k]]

    def scale(self, x: Number) -> int:
        """Return x times the current denominator (costs' denominators divide it, so this is exact)."""
        return int(x * self.den)

    def include(self, q: Fraction) -> int:
        """Extend the denominator so that q is representable; return q scaled."""
        den = math.lcm(self.den, q.denominator)
        if den != self.den:
            self.den = den
            self.dens.append(den)
            self.cof = [den // d for d in self.dens]
        return q.numerator * (den // q.denominator)

    def extend(self, scaled: list[int]) -> None:
        """Add classes worth scaled / den each, numbered from the current number of classes."""
        den = self.den
        self.num += scaled
        self.rnd += [len(self.dens) - 1] * len(scaled)
        self.fval += [x / den for x in scaled]

    def values(self, items: Counter[int]) -> list[int]:
        """Return the budgets (times den) of the classes in items, in its order."""
        num, rnd, cof = self.num, self.rnd, self.cof
        return [num[k] * cof[rnd[k]] for k in items]

    def money(self, items: Counter[int]) -> int:
        """Return the supporters' total money (times den) for {class: voters}."""
        return sum(map(mul, items.values(), self.values(items)))

    def price(
        self, items: Counter[int], cost: Number, values: list[int] | None = None, guess: float = 0.0
    ) -> Fraction:
        """Return the exact price per supporter (q = rho * cost) of a project with these supporters.

        `values`: self.values(items), when the caller has them already; `guess`: the price in floats.
        """
        vals = self.values(items) if values is None else values
        total = self.scale(cost)
        if guess:
            # The classes worth less than the float price pay all they have; if then the price this
            # gives lies between what they have and what the others have, it is the price (the only
            # q with sum of min(budget, q) = cost). Otherwise rounding misled the guess: sort.
            fval = self.fval
            poor = [fval[k] < guess for k in items]
            ws = list(items.values())
            rich = sum(compress(ws, [not p for p in poor]))
            if rich:
                rest = total - sum(map(mul, compress(ws, poor), compress(vals, poor)))
                below = max(compress(vals, poor), default=0)
                above = min(compress(vals, [not p for p in poor]))
                if below * rich <= rest <= above * rich:
                    return Fraction(rest, rich * self.den)
        s = dict(zip(items, vals, strict=True))
        contrib = 0
        nrich = sum(items.values())
        rest, rich = total, nrich
        for k in sorted(s, key=s.__getitem__):
            rest, rich = total - contrib, nrich
            if rest <= rich * s[k]:
                break
            contrib += items[k] * s[k]
            nrich -= items[k]
        return Fraction(rest, rich * self.den)


class _MES:
    """Method of Equal Shares with cost satisfaction on approval ballots."""

    # Voters' budgets are kept as "classes": each ballot group points to its budget class, and a
    # project's {class: voters} is counted afresh (at C speed) only when the project is evaluated,
    # which few projects are per round; paying a winner only repoints its supporters' groups.

    def __init__(self, election: Election, replay: bool = False) -> None:
        _require_approval(election, "mes")
        self.e = election
        self.supporters, self.voters = _approval_supporters(election)
        self.count = list(map(len, self.voters))
        self.weights = [g.weight for g in election.groups]
        self.n = sum(self.weights)
        self.costs = [p.cost for p in election.projects]
        self.fcosts = [float(c) for c in self.costs]
        self.cost_den = math.lcm(*(_frac(c).denominator for c in self.costs))
        self.ids = [p.id for p in election.projects]
        # Cost satisfaction gives zero-cost projects zero satisfaction: pabutools never selects them.
        self.eligible = [j for j in range(len(self.costs)) if self.costs[j] > 0 and self.count[j] > 0]
        # With `replay`, a class whose money runs out is kept (at zero) instead of being dropped, so which
        # group holds which class depends only on the winners so far, not on the per-voter budget: the
        # add1 loops, which rerun MES with budgets one apart and mostly the same first winners, reuse
        # each prefix's {class: voters} per project and its groups' classes (bounded, see `_remember`).
        # Prefixes are numbered (0: no winner yet). A single run gains nothing from it and skips it.
        self.replay = replay
        self._states: dict[tuple[int, int], int] = {}
        self._counts: dict[tuple[int, int], Counter[int]] = {}
        self._orders: dict[tuple[int, int], list[int]] = {}  # the classes of _counts, last sorted
        self._gcls: dict[int, list[int]] = {0: [0] * len(self.weights)}
        self._entries = 0  # classes counted in self._counts

    # Bounds of the remembered prefixes (about 100 MB at most): classes counted, groups' classes kept.
    MAX_ENTRIES = 1_000_000
    MAX_CELLS = 5_000_000

    def _remember(self) -> None:
        if self._entries > self.MAX_ENTRIES:
            # Prefix numbers start again: every remembered thing numbered by them goes.
            self._states.clear()
            self._counts.clear()
            self._orders.clear()
            self._entries = 0
            self._gcls = {0: self._gcls[0]}
        elif len(self._gcls) * len(self.weights) > self.MAX_CELLS:
            # The groups' classes of a prefix only serve to count a project not yet counted there, and
            # are rebuilt from an earlier prefix's by its payments: the older half goes.
            keep = list(self._gcls.items())[len(self._gcls) // 2 :]
            self._gcls = {0: self._gcls[0], **dict(keep)}

    @cached_property
    def ballots(self) -> list[list[int]]:
        """Return each group's ballot as project indices."""
        return _ballot_indices(self.e)

    def classes(self, j: int, gcls: list[int]) -> Counter[int]:
        """Return {budget class: voters} for the supporters of j who have money left."""
        # Supporters are repeated by weight, so this weighted count runs at C speed.
        cnt = Counter(map(gcls.__getitem__, self.voters[j]))
        cnt.pop(-1, None)
        return cnt

    def run(
        self,
        per_voter: Fraction,
        tie: Callable[[list[int]], int],
        explain: bool,
    ) -> _MESRun:
        costs, fcosts = self.costs, self.fcosts
        budgets = _Budgets(per_voter, self.cost_den)
        fval = budgets.fval
        # Class per group (-1: no money left; replaying keeps such classes at zero). Per-project class
        # counts are rebuilt only for the few projects evaluated in a round: cheaper than updating every
        # project of every payer's ballot.
        replay = self.replay
        state = 0  # the winners so far (0: none), numbered when replaying, see __init__
        counts, orders = self._counts, self._orders
        if replay:
            self._remember()
            grid = _Grid(self)
            gcls = self._gcls[0]
        else:
            gcls = [0] * len(self.weights)
        stale: dict[int, float] = {j: 1.0 / self.count[j] for j in self.eligible}
        selected: list[int] = []
        rounds: list[MESRound] = []
        while stale:
            best = float("inf")
            cands: list[tuple[float, int]] = []
            cnt: dict[int, Counter[int]] = {}
            for j in sorted(stale, key=stale.__getitem__):
                if stale[j] > best * (1 + EPS):
                    break
                if replay:
                    items = counts.get((state, j))
                    if items is None:
                        items = counts[state, j] = self.classes(j, grid.at(state))
                        self._entries += len(items)
                else:
                    items = self.classes(j, gcls)
                cnt[j] = items
                c = fcosts[j]
                if replay:
                    # Runs at nearby budgets order the classes nearly alike: sorting the last order
                    # is close to linear.
                    order = orders[state, j] = sorted(orders.get((state, j), items), key=fval.__getitem__)
                else:
                    order = sorted(items, key=fval.__getitem__)
                contrib = 0.0
                # Replaying keeps every supporter in some class (at zero if it has nothing left).
                nrich = self.count[j] if replay else sum(items.values())
                q = 0.0
                for k in order:
                    q = (c - contrib) / nrich
                    if q <= fval[k]:
                        # The supporters have at least contrib + nrich * fval[k]: clearly enough?
                        sure = contrib + nrich * fval[k] >= c * (1 + EPS)
                        break
                    w = items[k]
                    contrib += w * fval[k]
                    nrich -= w
                else:
                    sure = False
                if not sure:
                    money = sum(map(mul, items.values(), map(fval.__getitem__, items)))
                    if money < c * (1 + EPS) and (
                        money < c * (1 - EPS) or budgets.money(items) < budgets.scale(costs[j])
                    ):
                        # Supporters cannot afford it now, so never again (budgets only shrink).
                        del stale[j]
                        continue
                rho = q / c
                stale[j] = rho
                if rho < best:
                    best = rho
                cands.append((rho, j))
            if not cands:
                break
            limit = best * (1 + EPS)
            close = [j for r, j in cands if r <= limit]
            guess = {j: r * fcosts[j] for r, j in cands if r <= limit}
            vals = {j: budgets.values(cnt[j]) for j in close}
            if len(close) == 1:
                win = close[0]
                q_exact = budgets.price(cnt[win], costs[win], vals[win], guess[win])
            else:
                exact = {j: budgets.price(cnt[j], costs[j], vals[j], guess[j]) for j in close}
                rho_min = min(exact[j] / costs[j] for j in close)
                tied = [j for j in close if exact[j] / costs[j] == rho_min]
                win = tie(tied)
                q_exact = exact[win]
            # Pay: each supporter gives the price, or all it has left if that is less.
            full = capped = 0
            old_den = budgets.den
            q_scaled = budgets.include(q_exact)
            paid = cnt[win]
            first = len(budgets.num)
            left = vals[win]
            if budgets.den != old_den:
                grow = budgets.den // old_den
                left = [x * grow for x in left]
            if replay:
                # Each paying class k (the i-th of paid) becomes class first + i, at zero if it runs out.
                budgets.extend([x - q_scaled if x > q_scaled else 0 for x in left])
                if explain:
                    for x, w in zip(left, paid.values(), strict=True):
                        if x >= q_scaled:
                            full += w
                        elif x:
                            capped += w
                state = grid.pay(state, win, paid, first)
            else:
                moved: dict[int, int] = {-1: -1}
                kept: list[int] = []
                for k, w, x in zip(paid, paid.values(), left, strict=True):
                    x -= q_scaled
                    if x > 0:
                        moved[k] = first + len(kept)
                        kept.append(x)
                        full += w
                    else:
                        moved[k] = -1
                        if x == 0:
                            full += w
                        else:
                            capped += w
                budgets.extend(kept)
                self._pay(win, moved, gcls)
            del stale[win]
            selected.append(win)
            if explain:
                rounds.append(
                    MESRound(
                        len(rounds) + 1,
                        self.ids[win],
                        costs[win],
                        normalize(q_exact / costs[win]),
                        normalize(q_exact),
                        self.count[win],
                        full,
                        capped,
                    )
                )
        rejected: list[MESRejection] = []
        if explain:
            if replay:
                gcls = grid.at(state)
            rejected = self._rejections(selected, gcls, budgets)
        return _MESRun(selected, rounds, rejected)

    def _pay(self, win: int, moved: dict[int, int], gcls: list[int]) -> None:
        """Move the winner's supporters to the class their payment left them in (-1: nothing left)."""
        payers = self.supporters[win]
        after = list(map(moved.__getitem__, map(gcls.__getitem__, payers)))
        for g, nk in zip(payers, after, strict=True):
            gcls[g] = nk

    def _rejections(self, selected: list[int], gcls: list[int], budgets: _Budgets) -> list[MESRejection]:
        """Explain why each project not selected was rejected, with its supporters' money left."""
        costs = self.costs
        rejected: list[MESRejection] = []
        chosen = set(selected)
        for j in range(len(costs)):
            if j in chosen:
                continue
            if self.count[j] == 0:
                rejected.append(MESRejection(self.ids[j], costs[j], 0, 0, "no_supporters"))
            elif costs[j] == 0:
                rejected.append(MESRejection(self.ids[j], costs[j], self.count[j], 0, "zero_cost"))
            else:
                left = budgets.money(self.classes(j, gcls))
                rejected.append(
                    MESRejection(
                        self.ids[j],
                        costs[j],
                        self.count[j],
                        normalize(Fraction(left, budgets.den)),
                        "supporters_cannot_afford",
                    )
                )
        return rejected

    def lexico(self, tied: list[int]) -> int:
        """Break ties as pabutools: smallest project id as a string."""
        return min(tied, key=self.ids.__getitem__)

    def cost_then_approvals(self, tied: list[int]) -> int:
        """Break ties as equalshares.net: lower cost, then more approvals, then PROJECTS row order."""
        return min(tied, key=lambda j: (self.costs[j], -self.count[j], j))

    def explanation(self, first: Fraction, last: Fraction, steps: int, run: _MESRun) -> MESExplanation:
        return MESExplanation(
            normalize(first), normalize(last), steps, tuple(run.rounds), tuple(run.rejected)
        )


class _Grid:
    """The groups' classes of one replaying run, built from the remembered prefixes only when needed."""

    # Most rounds of a rerun find every project's {class: voters} remembered and need no groups'
    # classes at all: the payments since the last prefix whose classes are known wait in `pending`.

    def __init__(self, m: _MES) -> None:
        self.m = m
        self.state = 0
        self.gcls = m._gcls[0]
        self.pending: list[tuple[int, Counter[int], int]] = []

    def pay(self, state: int, win: int, paid: Counter[int], first: int) -> int:
        """Return the prefix after `win` is paid at `state` by `paid`, whose classes become first, ..."""
        states = self.m._states
        nxt = states.setdefault((state, win), len(states) + 1)
        self.pending.append((win, paid, first))
        return nxt

    def at(self, state: int) -> list[int]:
        """Return the groups' classes at `state`, the prefix the run has reached (never mutate it)."""
        if state != self.state:
            known = self.m._gcls.get(state)
            if known is None:
                known = self.gcls.copy()
                for win, paid, first in self.pending:
                    self.m._pay(win, dict(zip(paid, range(first, first + len(paid)), strict=True)), known)
                self.m._gcls[state] = known
            self.state, self.gcls = state, known
            self.pending.clear()
        return self.gcls


def _start_budget(election: Election) -> Fraction:
    return _frac(election.budget) / election.num_voters


def mes(election: Election) -> Outcome:
    """Method of Equal Shares, cost satisfaction (pabutools method_of_equal_shares, Cost_Sat)."""
    with gc_paused():
        m = _MES(election)
        if m.n == 0:
            return _outcome("mes", election, [], MESExplanation(0, 0, 0, (), ()))
        b0 = _start_budget(election)
        run = m.run(b0, m.lexico, True)
        return _outcome("mes", election, run.selected, m.explanation(b0, b0, 0, run))


def mes_greedy(election: Election) -> Outcome:
    """MES completed by greedy (pabutools completion_by_rule_combination([mes, greedy]), Cost_Sat)."""
    with gc_paused():
        m = _MES(election)
        b0 = _start_budget(election) if m.n else Fraction(0)
        run = m.run(b0, m.lexico, True) if m.n else _MESRun([], [], [])
        sel, completion = _greedy_fill(election, "cost", run.selected, "score_per_cost_unit")
        expl = m.explanation(b0, b0, 0, run)
        expl = MESExplanation(
            expl.initial_budget_per_voter, expl.budget_per_voter, 0, expl.rounds, expl.rejected, completion
        )
        return _outcome("mes-greedy", election, sel, expl)
