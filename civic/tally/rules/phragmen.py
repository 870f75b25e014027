"""Sequential Phragmén: voters share each winner's cost, balancing the load they carry."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from operator import itemgetter, mul

from civic.tally.model import Election, Number, gc_paused, normalize
from civic.tally.outcome import Outcome, PhragmenExplanation, PhragmenRound
from civic.tally.rules.common import EPS, _approval_supporters, _frac, _outcome, _require_approval


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
    loads = _Loads(math.lcm(*(_frac(c).denominator for c in costs)))
    gcls = [0] * len(election.groups)
    # Each group's load as a float, for the filter: a project's new max load is then one C-speed sum
    # over its supporters (repeated by weight). Its float error is at most (voters) x 2^-53 relative,
    # far inside EPS; the exact value is computed only for the projects the filter cannot separate.
    gload = [0.0] * len(election.groups)
    fcosts = [float(c) for c in costs]
    # Where ballots repeat a lot (choose-1, blocs), sum over groups times their weight instead.
    weights = [g.weight for g in election.groups]
    heavy = {
        j: [weights[g] for g in supporters[j]]
        for j in range(len(costs))
        if len(voters[j]) > 2 * len(supporters[j])
    }
    remaining = {j for j in range(len(costs)) if costs[j] <= budget}
    # Loads only grow, so a project's last computed new max load is a lower bound on its current one:
    # each round evaluates only the projects whose bound can still be (nearly) the best.
    # Per project, a C-speed gather of its supporters' entries from a per-group list (made when the
    # project is first evaluated).
    gather: dict[int, Callable[[list[float]], tuple[float, ...]]] = {}
    stale: dict[int, float] = {j: fcosts[j] / count[j] for j in remaining if count[j] > 0}
    spent: Number = 0
    selected: list[int] = []
    rounds: list[PhragmenRound] = []
    stopped_by: str | None = None
    while remaining:
        best = float("inf")
        fl: dict[int, float] = {}
        for j in sorted(stale, key=stale.__getitem__):
            if stale[j] > best * (1 + EPS):
                break
            get = gather.get(j)
            if get is None:
                get = gather[j] = _gatherer(supporters[j] if j in heavy else voters[j])
            wts = heavy.get(j)
            total = sum(get(gload)) if wts is None else sum(map(mul, wts, get(gload)))
            x = (fcosts[j] + total) / count[j]
            stale[j] = fl[j] = x
            if x < best:
                best = x
        if fl:
            close = [j for j, x in fl.items() if x <= best * (1 + EPS)]
            exact = {
                j: loads.new_max(costs[j], count[j], supporters[j], heavy[j], gcls)
                if j in heavy
                else loads.new_max(costs[j], count[j], voters[j], None, gcls)
                for j in close
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
        nk = loads.add(new_load)
        fload = float(new_load)
        for g in supporters[win]:
            gcls[g] = nk
            gload[g] = fload
    expl = PhragmenExplanation(tuple(rounds), stopped_by, normalize(_frac(budget - spent)))
    return _outcome("phragmen", election, selected, expl)


def _gatherer(indices: list[int]) -> Callable[[list[float]], tuple[float, ...]]:
    """Return a function taking a list to the tuple of its items at these indices."""
    if len(indices) == 1:
        (only,) = indices
        return lambda values: (values[only],)
    return itemgetter(*indices)


class _Loads:
    """Exact voter loads, one value per class, as integers over a shared denominator."""

    # Loads' denominators grow by hundreds of digits over a long count: summing them as Fractions
    # would take a gcd per addition. Here each class holds load x den, rescaled when den grows.

    def __init__(self, cost_den: int) -> None:
        self.den = cost_den
        self.num = [0]

    def new_max(
        self, cost: Number, count: int, groups: list[int], weights: list[int] | None, gcls: list[int]
    ) -> Fraction:
        """Return (cost + the groups' total load) / count exactly.

        `weights` are the groups' weights, or None when `groups` repeats each group by its weight.
        """
        num = self.num
        if weights is None:
            # {load class: voters} at C speed, then one integer product per class.
            items = Counter(map(gcls.__getitem__, groups))
            total = sum(map(mul, items.values(), map(num.__getitem__, items)))
        else:
            total = sum(map(mul, weights, map(num.__getitem__, map(gcls.__getitem__, groups))))
        return Fraction(int(cost * self.den) + total, count * self.den)

    def add(self, load: Fraction) -> int:
        """Add a class holding this load; return its id."""
        grow = load.denominator // math.gcd(self.den, load.denominator)
        if grow > 1:
            self.den *= grow
            self.num = [x * grow for x in self.num]
        self.num.append(load.numerator * (self.den // load.denominator))
        return len(self.num) - 1
