"""Sequential Phragmén: voters share each winner's cost, balancing the load they carry."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from operator import mul

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
