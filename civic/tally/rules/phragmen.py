"""Sequential Phragmén: voters share each winner's cost, balancing the load they carry."""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable
from fractions import Fraction
from itertools import accumulate, repeat
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
    entries = [2 * len(supporters[j]) if j in heavy else count[j] for j in range(len(costs))]
    classes = _ClassBits.when_worth_it(election, supporters, entries)
    spent: Number = 0
    selected: list[int] = []
    rounds: list[PhragmenRound] = []
    stopped_by: str | None = None
    while remaining:
        best = float("inf")
        fl: dict[int, float] = {}
        # Exact (numerator, denominator) of the new max loads the class bitsets gave this round.
        known: dict[int, tuple[int, int]] = {}
        for j in sorted(stale, key=stale.__getitem__):
            if stale[j] > best * (1 + EPS):
                break
            if classes is not None and classes.cheaper(entries[j]):
                numerator = int(costs[j] * loads.den) + classes.total(j, loads.num)
                known[j] = numerator, count[j] * loads.den
                # int / int is correctly rounded.
                x = stale[j] = fl[j] = numerator / known[j][1]
                if x < best:
                    best = x
                continue
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
                j: Fraction(*known[j])
                if j in known
                else loads.new_max(costs[j], count[j], supporters[j], heavy[j], gcls)
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
        if classes is not None:
            classes.pay(win, nk)
    expl = PhragmenExplanation(tuple(rounds), stopped_by, normalize(_frac(budget - spent)))
    return _outcome("phragmen", election, selected, expl)


def _gatherer(indices: list[int]) -> Callable[[list[float]], tuple[float, ...]]:
    """Return a function taking a list to the tuple of its items at these indices."""
    if len(indices) == 1:
        (only,) = indices
        return lambda values: (values[only],)
    return itemgetter(*indices)


class _ClassBits:
    """The voters of each load class as a bitset (one bit per voter), for long ballots.

    There are at most (rounds + 1) load classes, so a project's total load is also one AND and one
    popcount per class: cheaper than summing its supporters one by one when they are a large share
    of all voters (long ballots), and exact at once.
    """

    # Rough costs in ns (CPython 3.11): gathering one supporter's load, and AND + popcount of two
    # bitsets of `voters` bits. Only the choice of method depends on them, never an outcome.
    GATHER = 22
    PER_CLASS = 250
    PER_VOTER = 0.09

    def __init__(self, election: Election, supporters: list[list[int]]) -> None:
        weights = [g.weight for g in election.groups]
        # Voter bits: group g holds the weights[g] bits from offset[g].
        self.offset = list(accumulate(weights, initial=0))
        self.voters = self.offset[-1]
        self.weights = weights
        self.repeated = {g for g, w in enumerate(weights) if w > 1}
        self.supporters = supporters
        self.bits: dict[int, int] = {}
        self.classes = {0: (1 << self.voters) - 1}
        self.class_cost = self.PER_CLASS + self.PER_VOTER * self.voters

    @classmethod
    def when_worth_it(
        cls, election: Election, supporters: list[list[int]], entries: list[int]
    ) -> _ClassBits | None:
        """Return the bitsets when projects' supporter lists (`entries` to gather, per project) are
        on average longer than a third of all voters: long ballots."""
        # Making a project's bitset costs about four gathers of its supporters: below a third, the
        # popcounts saved on later evaluations barely pay for it (k-approval, 1 in 4: no gain).
        voters = sum(g.weight for g in election.groups)
        if not entries or 3 * sum(entries) <= len(entries) * voters:
            return None
        return cls(election, supporters)

    def cheaper(self, entries: int) -> bool:
        """Tell whether popcounts beat gathering this many entries one by one."""
        return entries * self.GATHER > len(self.classes) * self.class_cost

    def of(self, j: int) -> int:
        """Return the bitset of project j's supporters."""
        bits = self.bits.get(j)
        if bits is None:
            cells = bytearray(b"0") * self.voters
            offset, weights, groups = self.offset, self.weights, self.supporters[j]
            # Each group's first bit at C speed, then the other bits of the few repeated ballots.
            deque(map(cells.__setitem__, map(offset.__getitem__, groups), repeat(ord("1"))), maxlen=0)
            for g in self.repeated.intersection(groups):
                cells[offset[g] : offset[g] + weights[g]] = b"1" * weights[g]
            bits = self.bits[j] = int(cells, 2)
        return bits

    def total(self, j: int, num: list[int]) -> int:
        """Return project j's supporters' total load (times the loads' denominator; see _Loads)."""
        mine = self.of(j)
        counts = map(int.bit_count, map(mine.__and__, self.classes.values()))
        return sum(map(mul, counts, map(num.__getitem__, self.classes)))

    def pay(self, win: int, new_class: int) -> None:
        """Move the winner's supporters to their new load class, dropping emptied classes."""
        paid = self.of(win)
        for k, bits in list(self.classes.items()):
            left = bits & ~paid
            if left:
                self.classes[k] = left
            else:
                del self.classes[k]
        self.classes[new_class] = paid


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
