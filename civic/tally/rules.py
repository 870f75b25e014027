"""Counting rules, identical to pabutools 1.2.3 (exact arithmetic, same tie-breaking).

Speed comes from grouped ballots and float arithmetic; exactness from recomputing with Fractions
every value that decides something (a winner, a tie, affordability) whenever floats are within
a relative 1e-9 of each other. Floats here are always correctly rounded from exact values (budget
classes are stored exactly and converted once), so their error is ~1e-15, far inside that margin.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from itertools import chain, repeat
from operator import mul
from typing import Literal

from civic.tally.errors import RuleNotApplicable, TallyError
from civic.tally.model import Election, Number, gc_paused, normalize
from civic.tally.outcome import (
    GreedyExplanation,
    MESExplanation,
    MESRejection,
    MESRound,
    Outcome,
    PhragmenExplanation,
    PhragmenRound,
    ProjectDecision,
)

EPS = 1e-9
Sat = Literal["cost", "cardinality"]


def _frac(x: Number) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


def _require_approval(election: Election, rule: str) -> None:
    if election.kind not in ("approval", "choose-1"):
        raise RuleNotApplicable(
            f"rule {rule!r} applies to approval and choose-1 ballots, not {election.kind}"
        )


def _ballot_indices(election: Election) -> list[list[int]]:
    """Return each group's ballot as project indices."""
    index = {p.id: j for j, p in enumerate(election.projects)}
    return [list(map(index.__getitem__, g.projects)) for g in election.groups]


def _approval_supporters(election: Election) -> tuple[list[list[int]], list[list[int]]]:
    """Return (supporting groups per project, the same with each group repeated by its weight)."""
    index = {p.id: j for j, p in enumerate(election.projects)}
    groups = election.groups
    # One flat loop over (project, group) pairs built at C speed: no per-group Python overhead.
    flat = map(index.__getitem__, chain.from_iterable([g.projects for g in groups]))
    gids = chain.from_iterable(map(repeat, range(len(groups)), [len(g.projects) for g in groups]))
    supporters: list[list[int]] = [[] for _ in election.projects]
    add = [s.append for s in supporters]
    for j, gi in zip(flat, gids, strict=True):
        add[j](gi)
    heavy = [(gi, g) for gi, g in enumerate(groups) if g.weight > 1]
    if not heavy:
        return supporters, supporters
    extra: list[list[int]] = [[] for _ in election.projects]
    for gi, g in heavy:
        more = [gi] * (g.weight - 1)
        for pid in g.projects:
            extra[index[pid]] += more
    return supporters, [s + e for s, e in zip(supporters, extra, strict=True)]


# --------------------------------------------------------------------------------------------- greedy


def satisfaction_totals(election: Election, sat: Sat) -> list[Number]:
    """Return each project's total satisfaction divided by its cost factor (the greedy density numerator).

    With cost satisfaction this is pabulib's score: approvals, points (cumulative) or L - position
    (ordinal ballot of length L); with cardinality satisfaction it is the number of ballots naming it.
    """
    index = {p.id: j for j, p in enumerate(election.projects)}
    totals: list[Number] = [0] * len(election.projects)
    kind = election.kind
    if kind == "scoring":
        raise RuleNotApplicable("greedy rules are not defined for scoring ballots")
    if sat == "cardinality" or kind in ("approval", "choose-1"):
        # Count every group once at C speed, then add the extra weight of the repeated ballots.
        named = Counter(chain.from_iterable([g.projects for g in election.groups]))
        for g in election.groups:
            if g.weight > 1:
                for pid in g.projects:
                    named[pid] += g.weight - 1
        return [named[p.id] for p in election.projects]
    for g in election.groups:
        w = g.weight
        if kind == "cumulative":
            assert g.points is not None
            for pid, pt in zip(g.projects, g.points, strict=False):
                totals[index[pid]] += w * pt
        else:  # ordinal: L - position, best-first
            n = len(g.projects)
            for pos, pid in enumerate(g.projects):
                totals[index[pid]] += w * (n - pos)
    return [normalize(_frac(t)) for t in totals]


def _densities(election: Election, sat: Sat) -> list[tuple[int, Fraction]]:
    """Return pabutools' greedy key per project as (infinite?, density)."""
    totals = satisfaction_totals(election, sat)
    out: list[tuple[int, Fraction]] = []
    for p, s in zip(election.projects, totals, strict=False):
        # pabutools: density = total_sat / cost if total_sat > 0 (inf when cost is 0), else 0.
        # Under cost satisfaction total_sat = s * cost, so a zero-cost project has density 0.
        total_sat = s * p.cost if sat == "cost" else s
        if total_sat > 0:
            if p.cost > 0:
                out.append((0, _frac(total_sat) / p.cost))
            else:
                out.append((1, Fraction(0)))
        else:
            out.append((0, Fraction(0)))
    return out


def greedy_order(election: Election, sat: Sat) -> list[tuple[int, Fraction | None]]:
    """Return (project index, density or None for infinite) in pabutools' greedy order."""
    dens = _densities(election, sat)
    idx = sorted(
        range(len(election.projects)),
        key=lambda j: (-dens[j][0], -dens[j][1], election.projects[j].id),
    )
    return [(j, None if dens[j][0] else dens[j][1]) for j in idx]


def _greedy_fill(
    election: Election, sat: Sat, initial: list[int], score_name: str
) -> tuple[list[int], GreedyExplanation]:
    selected = list(initial)
    chosen = set(initial)
    left: Number = election.budget - sum(election.projects[j].cost for j in initial)
    decisions: list[ProjectDecision] = []
    for rank, (j, dens) in enumerate(greedy_order(election, sat), start=1):
        p = election.projects[j]
        if j in chosen:
            decisions.append(ProjectDecision(p.id, p.cost, rank, dens, "already_selected", left))
            continue
        if p.cost <= left:
            decisions.append(ProjectDecision(p.id, p.cost, rank, dens, "funded", left))
            selected.append(j)
            left -= p.cost
        else:
            decisions.append(ProjectDecision(p.id, p.cost, rank, dens, "did_not_fit", left))
    return selected, GreedyExplanation(score_name, tuple(decisions))


def _outcome(
    rule: str, election: Election, selected: list[int], explanation: object, notes: tuple[str, ...] = ()
) -> Outcome:
    used = normalize(_frac(sum(election.projects[j].cost for j in selected)))
    return Outcome(
        rule,
        tuple(election.projects[j].id for j in selected),
        election.budget,
        used,
        explanation,  # type: ignore[arg-type]
        notes,
    )


def greedy(election: Election) -> Outcome:
    """Greedy by pabulib score per cost unit (pabutools greedy_utilitarian_welfare, cost satisfaction)."""
    with gc_paused():
        sel, expl = _greedy_fill(election, "cost", [], "score_per_cost_unit")
    return _outcome("greedy", election, sel, expl)


def greedy_cardinality(election: Election) -> Outcome:
    """Greedy by ballots naming the project per unit of cost (pabutools greedy, Cardinality_Sat)."""
    with gc_paused():
        sel, expl = _greedy_fill(election, "cardinality", [], "ballots_per_cost")
    return _outcome("greedy-cardinality", election, sel, expl)


# --------------------------------------------------------------------------------------------- MES


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

    def new(self, scaled: int) -> int:
        """Add a class worth scaled / den; return its id."""
        self.num.append(scaled)
        self.rnd.append(len(self.dens) - 1)
        self.fval.append(scaled / self.den)
        return len(self.num) - 1

    def money(self, items: Counter[int]) -> int:
        """Return the supporters' total money (times den) for {class: voters}."""
        return sum(w * self.scaled(k) for k, w in items.items())

    def price(self, items: Counter[int], cost: Number) -> Fraction:
        """Return the exact price per supporter (q = rho * cost) of a project with these supporters."""
        s = {k: self.scaled(k) for k in items}
        total = self.scale(cost)
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
        # Which group holds which budget class depends only on the rounds so far (winner, and which
        # classes it emptied), not on the per-voter budget: the add1 loops, which rerun MES with budgets
        # one apart, mostly replay the same rounds. With `replay`, states are numbered and, per state,
        # each project's {class: voters} and the groups' classes are kept for the next run (bounded,
        # see `_remember`). A single run gains nothing from it and skips it.
        self.replay = replay
        self._states: dict[tuple[int, int, tuple[int, ...]], int] = {}
        self._counts: dict[tuple[int, int], Counter[int]] = {}
        self._gcls: dict[int, list[int]] = {}

    def _remember(self) -> None:
        # Tens of MB at most: a class per group is kept for each remembered state.
        if len(self._counts) > 20_000 or len(self._gcls) * len(self.weights) > 5_000_000:
            self._states.clear()
            self._counts.clear()
            self._gcls.clear()

    @cached_property
    def ballots(self) -> list[list[int]]:
        """Return each group's ballot as project indices."""
        return _ballot_indices(self.e)

    @cached_property
    def eballots(self) -> list[list[int]]:
        """Return each group's ballot restricted to the projects MES could buy."""
        eligible_set = set(self.eligible)
        return [[j for j in b if j in eligible_set] for b in self.ballots]

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
        # Class per group (-1: no money left). Per-project class counts are rebuilt only for the few
        # projects evaluated in a round: cheaper than updating every project of every payer's ballot.
        gcls = [0] * len(self.weights)
        replay = self.replay
        state = 0  # the rounds so far (0: none), numbered when replaying, see __init__
        counts = self._counts
        if replay:
            self._remember()
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
                items = counts.get((state, j)) if replay else None
                if items is None:
                    items = self.classes(j, gcls)
                    if replay:
                        counts[state, j] = items
                cnt[j] = items
                c = fcosts[j]
                money = sum(map(mul, items.values(), map(fval.__getitem__, items)))
                if money < c * (1 + EPS) and (
                    money < c * (1 - EPS) or budgets.money(items) < budgets.scale(costs[j])
                ):
                    # Supporters cannot afford it now, so never again (budgets only shrink).
                    del stale[j]
                    continue
                order = sorted(items, key=fval.__getitem__)
                contrib = 0.0
                nrich = sum(items.values())
                q = 0.0
                for k in order:
                    q = (c - contrib) / nrich
                    if q <= fval[k]:
                        break
                    w = items[k]
                    contrib += w * fval[k]
                    nrich -= w
                rho = q / c
                stale[j] = rho
                if rho < best:
                    best = rho
                cands.append((rho, j))
            if not cands:
                break
            limit = best * (1 + EPS)
            close = [j for r, j in cands if r <= limit]
            if len(close) == 1:
                win = close[0]
                q_exact = budgets.price(cnt[win], costs[win])
            else:
                exact = {j: budgets.price(cnt[j], costs[j]) for j in close}
                rho_min = min(exact[j] / costs[j] for j in close)
                tied = [j for j in close if exact[j] / costs[j] == rho_min]
                win = tie(tied)
                q_exact = exact[win]
            # Pay: each supporter gives the price, or all it has left if that is less.
            moved: dict[int, int] = {-1: -1}
            full = capped = 0
            q_scaled = budgets.include(q_exact)
            for k, w in cnt[win].items():
                left = budgets.scaled(k) - q_scaled
                if left > 0:
                    moved[k] = budgets.new(left)
                    full += w
                else:
                    moved[k] = -1
                    if left == 0:
                        full += w
                    else:
                        capped += w
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
            if replay:
                state, gcls = self._next_state(state, win, cnt[win], moved, gcls)
            else:
                self._pay(win, moved, gcls)
        rejected: list[MESRejection] = []
        if explain:
            rejected = self._rejections(selected, gcls, budgets)
        return _MESRun(selected, rounds, rejected)

    def _pay(self, win: int, moved: dict[int, int], gcls: list[int]) -> None:
        """Move the winner's supporters to the class their payment left them in (-1: nothing left)."""
        payers = self.supporters[win]
        after = list(map(moved.__getitem__, map(gcls.__getitem__, payers)))
        for g, nk in zip(payers, after, strict=True):
            gcls[g] = nk

    def _next_state(
        self, state: int, win: int, paid: Counter[int], moved: dict[int, int], gcls: list[int]
    ) -> tuple[int, list[int]]:
        """Return the state after this payment and its groups' classes (remembered, never mutated)."""
        transition = (state, win, tuple(moved[k] for k in paid))
        nxt = self._states.setdefault(transition, len(self._states) + 1)
        known = self._gcls.get(nxt)
        if known is None:
            known = gcls.copy()
            self._pay(win, moved, known)
            self._gcls[nxt] = known
        return nxt, known

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

    def horizon_run(
        self, per_voter: Fraction, tie: Callable[[list[int]], int]
    ) -> tuple[list[int], Fraction | None]:
        """Run MES exactly and return (selection, T): the same selection results for every per-voter
        budget in [per_voter, per_voter + T) (T None: for every larger budget).

        Within that range nothing that MES compares changes sign: every budget, price and rho is an
        affine function of the per-voter budget as long as the same voters are poor/rich for each
        project, the same projects are affordable and the same project wins each round. Each such
        comparison gives a bound; T is the smallest. This lets the add1 variants skip increments
        that provably change nothing (pabutools iterates them one by one).
        """
        costs = self.costs
        weights = self.weights
        val: list[Fraction] = [per_voter]
        slope: list[Fraction] = [Fraction(1)]
        by_key: dict[tuple[Fraction, Fraction], int] = {(per_voter, Fraction(1)): 0}
        gcls = [0] * len(weights)
        alive = [False] * len(costs)
        cnt: list[dict[int, int]] = [{} for _ in costs]
        for j in self.eligible:
            alive[j] = True
            cnt[j] = {0: self.count[j]}
        remaining = set(self.eligible)
        horizon: Fraction | None = None

        def bound(v: Fraction, s: Fraction) -> None:
            # v + s*t must keep the sign it has at t = 0 (or stay identically zero).
            nonlocal horizon
            if v == 0:
                t = None if s == 0 else Fraction(0)
            elif (v > 0) == (s < 0):
                t = -v / s
            else:
                return
            if t is not None and (horizon is None or t < horizon):
                horizon = t

        selected: list[int] = []
        while remaining:
            rho: dict[int, tuple[Fraction, Fraction]] = {}
            for j in sorted(remaining):
                items = cnt[j]
                c = _frac(costs[j])
                money = sum((w * val[k] for k, w in items.items()), Fraction(0))
                mslope = sum((w * slope[k] for k, w in items.items()), Fraction(0))
                bound(money - c, mslope)
                if money < c:
                    remaining.discard(j)
                    alive[j] = False
                    continue
                order = sorted(items, key=val.__getitem__)
                contrib = Fraction(0)
                cslope = Fraction(0)
                nrich = sum(items.values())
                q = Fraction(0)
                poor: list[int] = []
                for k in order:
                    q = (c - contrib) / nrich
                    if q <= val[k]:
                        break
                    poor.append(k)
                    contrib += items[k] * val[k]
                    cslope += items[k] * slope[k]
                    nrich -= items[k]
                q = (c - contrib) / nrich
                qslope = -cslope / nrich
                for k in items:
                    if k in poor:
                        bound(q - val[k], qslope - slope[k])
                    else:
                        bound(val[k] - q, slope[k] - qslope)
                rho[j] = (q / c, qslope / c)
            if not rho:
                break
            best = min(r for r, _ in rho.values())
            win = tie([j for j, (r, _) in rho.items() if r == best])
            rw, sw = rho[win]
            for j, (r, sr) in rho.items():
                if j != win:
                    bound(r - rw, sr - sw)
            q = rw * costs[win]
            qslope = sw * costs[win]
            moved: dict[int, int] = {}
            for k in cnt[win]:
                bound(val[k] - q, slope[k] - qslope)
                if val[k] > q:
                    key = (val[k] - q, slope[k] - qslope)
                    nk = by_key.get(key)
                    if nk is None:
                        nk = len(val)
                        val.append(key[0])
                        slope.append(key[1])
                        by_key[key] = nk
                    moved[k] = nk
                else:
                    moved[k] = -1
            remaining.discard(win)
            alive[win] = False
            selected.append(win)
            for g in self.supporters[win]:
                k = gcls[g]
                if k < 0:
                    continue
                nk = moved[k]
                gcls[g] = nk
                w = weights[g]
                for j in self.eballots[g]:
                    if alive[j]:
                        d = cnt[j]
                        left = d[k] - w
                        if left:
                            d[k] = left
                        else:
                            del d[k]
                        if nk >= 0:
                            d[nk] = d.get(nk, 0) + w
        return selected, horizon

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


# Called by the rules that raise the per-voter budget step by step (mes-add1, mes-add1-official) with
# the number of increments tried so far and the per-voter budget being tried; long counts use it to
# show how far they are. It may raise to stop the count (the exception propagates unchanged).
Progress = Callable[[int, Number], None]


def _no_progress(_steps: int, _per_voter: Number) -> None:
    return None


class _Skipper:
    """Decide when an add1 loop should pay for an exact horizon run to skip identical increments."""

    def __init__(self) -> None:
        self.same = 0
        self.patience = 8
        self.last: list[int] | None = None

    def step(self, selected: list[int]) -> bool:
        self.same = self.same + 1 if selected == self.last else 0
        self.last = selected
        return self.same >= self.patience

    def skipped(self, gained: int) -> None:
        # A horizon run costs a few plain runs: ask for one less often when it does not pay off.
        self.same = 0
        self.patience = 8 if gained > 4 * self.patience else self.patience * 2


def _skip_to(m: _MES, b: Fraction, tie: Callable[[list[int]], int], skipper: _Skipper) -> int | None:
    """Return how many +1 increments from b provably give the same outcome as b (None: all of them)."""
    _selected, horizon = m.horizon_run(b, tie)
    if horizon is None:
        return None
    steps = max(0, math.ceil(horizon) - 1)
    skipper.skipped(steps)
    return steps


def _add1_pabutools(m: _MES, progress: Progress) -> tuple[_MESRun, Fraction, int]:
    e = m.e
    b0 = _start_budget(e)
    budget = e.budget
    costs = m.costs
    b = b0
    previous = _MESRun([], [], [])
    prev_b = b0
    skipper = _Skipper()
    while True:
        progress(int(b - b0), normalize(b))
        run = m.run(b, m.lexico, False)
        spent = sum(costs[j] for j in run.selected)
        if spent > budget:
            return previous, prev_b, int(prev_b - b0)
        chosen = set(run.selected)
        # pabutools' test: exhaustive with respect to the projects MES could buy (positive cost,
        # at least one supporter); unsupported or zero-cost projects do not keep it going.
        if all(j in chosen or spent + costs[j] > budget for j in m.eligible):
            return run, b, int(b - b0)
        previous, prev_b = run, b
        if skipper.step(run.selected):
            skip = _skip_to(m, b, m.lexico, skipper)
            if skip is None:
                raise TallyError(
                    "mes-add1 never stops here: the outcome stays the same for every larger voter budget, "
                    "yet it is neither exhaustive nor over budget"
                )
            if skip:
                # b + 1 .. b + skip give this same outcome: neither over budget nor exhaustive.
                prev_b = b + skip
                previous = m.run(prev_b, m.lexico, False)
                b = prev_b
        b += 1


def mes_add1(election: Election, progress: Progress | None = None) -> Outcome:
    """MES with per-voter budget +1 until exhaustive (pabutools voter_budget_increment=1, Cost_Sat).

    As pabutools: stop at the first exhaustive outcome, or return the previous outcome as soon as
    one overspends the real budget. `progress` is called before each per-voter budget is tried.
    """
    with gc_paused():
        m = _MES(election, replay=True)
        if m.n == 0:
            return _outcome("mes-add1", election, [], MESExplanation(0, 0, 0, (), ()))
        run, b, steps = _add1_pabutools(m, progress or _no_progress)
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
        skipper = _Skipper()
        while not eligible.issubset(run.selected):
            if skipper.step(run.selected) and used_b == per_voter:
                skip = _skip_to(m, per_voter, m.cost_then_approvals, skipper)
                if skip is None:
                    break
                if skip:
                    per_voter += skip
                    run, used_b = m.run(per_voter, m.cost_then_approvals, False), per_voter
            per_voter += 1
            report(int(per_voter - first_step), normalize(per_voter))
            nxt = m.run(per_voter, m.cost_then_approvals, False)
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


# --------------------------------------------------------------------------------------------- Phragmén


def phragmen(election: Election) -> Outcome:
    """Sequential Phragmén (pabutools sequential_phragmen): stops when a tied-best project does not fit."""
    _require_approval(election, "phragmen")
    with gc_paused():
        return _phragmen(election)


def _phragmen(election: Election) -> Outcome:
    supporters, voters = _approval_supporters(election)
    count = list(map(len, voters))
    costs = [p.cost for p in election.projects]
    ids = [p.id for p in election.projects]
    budget = election.budget
    # Load classes: every voter's load is one of the loads set so far (one new value per round).
    val: list[Fraction] = [Fraction(0)]
    fval: list[float] = [0.0]
    gcls = [0] * len(election.groups)
    remaining = {j for j in range(len(costs)) if costs[j] <= budget}
    # Loads only grow, so a project's last computed new max load is a lower bound on its current one:
    # each round evaluates only the projects whose bound can still be (nearly) the best.
    stale: dict[int, float] = {j: float(costs[j]) / count[j] for j in remaining if count[j] > 0}
    spent: Number = 0
    selected: list[int] = []
    rounds: list[PhragmenRound] = []
    stopped_by: str | None = None
    while remaining:
        best = float("inf")
        fl: dict[int, float] = {}
        cnt: dict[int, Counter[int]] = {}
        for j in sorted(stale, key=stale.__getitem__):
            if stale[j] > best * (1 + EPS):
                break
            # Supporters are repeated by weight: {load class: voters} at C speed.
            items = cnt[j] = Counter(map(gcls.__getitem__, voters[j]))
            x = (float(costs[j]) + sum(map(mul, items.values(), map(fval.__getitem__, items)))) / count[j]
            stale[j] = fl[j] = x
            if x < best:
                best = x
        if fl:
            close = [j for j, x in fl.items() if x <= best * (1 + EPS)]
            exact = {
                j: (costs[j] + sum(w * val[k] for k, w in cnt[j].items())) / _frac(count[j]) for j in close
            }
            new_load = min(exact.values())
            tied = [j for j in close if exact[j] == new_load]
        else:
            # Only unsupported projects are left: their new max load is infinite and they all tie.
            tied = list(remaining)
            new_load = Fraction(-1)
        misfit = [j for j in tied if spent + costs[j] > budget]
        if misfit:
            stopped_by = min(ids[j] for j in misfit)
            break
        win = min(tied, key=ids.__getitem__)
        remaining.discard(win)
        stale.pop(win, None)
        selected.append(win)
        spent += costs[win]
        if new_load < 0:
            rounds.append(PhragmenRound(len(rounds) + 1, ids[win], costs[win], 0, 0))
            continue
        rounds.append(PhragmenRound(len(rounds) + 1, ids[win], costs[win], normalize(new_load), count[win]))
        nk = len(val)
        val.append(new_load)
        fval.append(float(new_load))
        for g in supporters[win]:
            gcls[g] = nk
    expl = PhragmenExplanation(tuple(rounds), stopped_by, normalize(_frac(budget - spent)))
    return _outcome("phragmen", election, selected, expl)
