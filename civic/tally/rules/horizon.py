"""The horizon run: how far the per-voter budget can grow before an MES outcome changes."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from civic.tally.rules.common import _frac
from civic.tally.rules.mes import _MES


def horizon_run(
    m: _MES, per_voter: Fraction, tie: Callable[[list[int]], int]
) -> tuple[list[int], Fraction | None]:
    """Run MES exactly and return (selection, T): the same selection results for every per-voter
    budget in [per_voter, per_voter + T) (T None: for every larger budget).

    Within that range nothing that MES compares changes sign: every budget, price and rho is an
    affine function of the per-voter budget as long as the same voters are poor/rich for each
    project, the same projects are affordable and the same project wins each round. Each such
    comparison gives a bound; T is the smallest. This lets the add1 variants skip increments
    that provably change nothing (pabutools iterates them one by one).
    """
    costs = m.costs
    weights = m.weights
    val: list[Fraction] = [per_voter]
    slope: list[Fraction] = [Fraction(1)]
    by_key: dict[tuple[Fraction, Fraction], int] = {(per_voter, Fraction(1)): 0}
    gcls = [0] * len(weights)
    alive = [False] * len(costs)
    cnt: list[dict[int, int]] = [{} for _ in costs]
    for j in m.eligible:
        alive[j] = True
        cnt[j] = {0: m.count[j]}
    remaining = set(m.eligible)
    horizon: Fraction | None = None

    def bound(v: Fraction, s: Fraction) -> None:
        # v + s*t must keep the sign it has at t = 0 (or stay identically zero). A nonzero v with
        # slope 0, or with a slope of its own sign, keeps its sign for every t >= 0: no bound.
        nonlocal horizon
        if v == 0:
            t = None if s == 0 else Fraction(0)
        elif s != 0 and (v > 0) == (s < 0):
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
        for g in m.supporters[win]:
            k = gcls[g]
            if k < 0:
                continue
            nk = moved[k]
            gcls[g] = nk
            w = weights[g]
            for j in m.eballots[g]:
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
