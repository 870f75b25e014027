"""Interval certificates: prove that MES selects the same projects for a whole range of budgets.

The add1 completions rerun MES with per-voter budgets b, b + 1, b + 2, ... and on real elections the
selection changes a few times in tens of thousands of increments (Budapest 2022 VIII Józsefváros:
17 changes in 153 144). The horizon of a run (how far every comparison keeps its sign) is no guide:
it ends wherever some voter stops being able to pay a price in full, which happens hundreds of times
between two changes of the selection. This module instead checks a whole interval [b, b + K] at
once, by running MES on bounds instead of values.

For t in [b, b + K], every class of voters (the groups that paid the same rounds) has a budget
between two affine functions of t, `lo` and `hi`; they are kept by their values at both ends, and
start equal (t itself). A price q solves sum_i min(budget_i, q) = cost: it falls when budgets grow,
it is the largest of (cost - money of P) / (supporters outside P) over the sets P of supporters,
and so it is a convex function of t when budgets are affine. Hence, over the interval:
- the winner's price is at most the chord of its price under the `lo` budgets (exact at both ends);
- any project's price is at least the affine (cost - money of P under `hi`) / (supporters outside P)
  for one set P, here the supporters unable to pay at mid-interval;
- a payer's budget left, max(0, budget - q), lies between (lo - upper price, or 0) and the chord of
  max(0, hi - lower price): both affine again.
The round's winner is certain when its upper rho is below every other project's lower rho at both
ends (ties as the rule breaks them), a project is certainly unaffordable when its `hi` money is
short at both ends, and the run is certainly over when every project left is. Values are integers
over one fixed denominator; rounding moves every bound outwards, so the proof stays exact. A failed
proof says nothing (the bounds may just be too loose); the caller then tries a shorter interval or a
plain run. Where no voter's status changes inside the interval the bounds are exact and `lo == hi`.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from operator import add, mul

from civic.tally.rules.common import _frac
from civic.tally.rules.mes import _MES

# Bits of the grid below the costs' and budget's own denominators: outward rounding loses at most
# 2**-40 currency units per operation, far below any margin that decides an outcome.
_GRID_BITS = 40
# Bounded memory for the per-prefix class structure (a class per group per remembered prefix).
_MAX_CELLS = 5_000_000


class Certifier:
    """Prove, for a winner sequence, that MES selects exactly it over a range of per-voter budgets."""

    def __init__(self, m: _MES, start: Fraction, rank: list[int]) -> None:
        self.m = m
        # Every budget tried is start + an integer: all lie on the grid, as do all costs.
        self.den = math.lcm(start.denominator, m.cost_den) << _GRID_BITS
        self.cost = [int(_frac(c) * self.den) for c in m.costs]
        self.fcost = [float(c) for c in self.cost]
        # rank[j] < rank[k]: the rule's tie-breaking prefers j to k.
        self.rank = rank
        # The classes of a prefix of winners depend on the prefix only (not on the budgets): per prefix,
        # the groups' classes and each project's {class: voters}, reused by every later proof.
        self._prefix: dict[tuple[int, int, tuple[int, ...]], int] = {}
        self._gcls: dict[int, list[int]] = {0: [0] * len(m.weights)}
        self._counts: dict[tuple[int, int], Counter[int]] = {}
        # See `same`.
        self.fail = 0.0
        self.closing = False

    def _items(self, state: int, j: int) -> Counter[int]:
        items = self._counts.get((state, j))
        if items is None:
            items = Counter(map(self._gcls[state].__getitem__, self.m.voters[j]))
            items.pop(-1, None)
            self._counts[state, j] = items
        return items

    def _after(self, state: int, win: int, items: Counter[int], first: int, zero: tuple[int, ...]) -> int:
        """Return the prefix after `win` is paid by `items`: the classes at the positions `zero` of items
        are left with nothing (-1), the others become first, first + 1, ... in order."""
        key = (state, win, zero)
        nxt = self._prefix.get(key)
        if nxt is None:
            if len(self._gcls) * len(self.m.weights) > _MAX_CELLS:
                self._prefix.clear()
                self._counts.clear()
                self._gcls = {0: self._gcls[0], state: self._gcls[state]}
            nxt = len(self._prefix) + 1
            while nxt in self._gcls:
                nxt += 1
            self._prefix[key] = nxt
            moved = {-1: -1}
            dead = set(zero)
            for i, cls in enumerate(items):
                if i in dead:
                    moved[cls] = -1
                else:
                    moved[cls] = first
                    first += 1
            gcls = self._gcls[state].copy()
            for g in self.m.supporters[win]:
                gcls[g] = moved[gcls[g]]
            self._gcls[nxt] = gcls
        return nxt

    def same(self, b: Fraction, k: int, seq: list[int]) -> bool:
        """Return True only if MES selects exactly `seq` at every per-voter budget in [b, b + k].

        After a failure, `fail` says where the margin that failed (worth g0 at b and gk at b + k) would
        cross zero if it went on as a line, in increments from b (0: it fails at b already, the bounds
        being too loose there), and `closing` whether that margin shrinks from b to b + k.
        """
        self.fail = 0.0
        self.closing = False
        return self._same(b, k, seq)

    def _same(self, b: Fraction, k: int, seq: list[int]) -> bool:
        m = self.m
        cost, fcost, rank = self.cost, self.fcost, self.rank
        x = b * self.den
        start = x.numerator // x.denominator
        end = start + k * self.den
        lo0, lok, hi0, hik = [start], [end], [start], [end]
        fmid = [float(start + end)]
        state = 0
        remaining = set(m.eligible)
        # Per project: a lower bound of its price at both ends, as (numerator at b, at b + k,
        # denominator), and the same as rho in floats.
        low: dict[int, tuple[int, int, int, float, float]] = {}
        for w in seq:
            if w not in remaining:
                return False
            items_w = self._items(state, w)
            c = cost[w]
            up0 = _price_up(items_w, lo0, c)
            upk = _price_up(items_w, lok, c)
            if up0 is None or upk is None:
                return self._failed(_money(items_w, lo0) - c, _money(items_w, lok) - c, k)
            u0, n0 = up0
            uk, nk = upk
            # The winner's rho is at most u / (n * c) at each end; compare by cross-multiplying.
            un0, unk = n0 * c, nk * c
            fu0, fuk = u0 / un0, uk / unk
            rw = rank[w]
            remaining.discard(w)
            for j in list(remaining):
                bound = low.get(j)
                for fresh in (False, True):
                    if bound is None:
                        fresh = True
                        items = self._items(state, j)
                        cj = cost[j]
                        m0, mk = _money(items, hi0) - cj, _money(items, hik) - cj
                        if m0 < 0 and mk < 0:
                            # Short of money over the whole interval, so for good (budgets only shrink).
                            remaining.discard(j)
                            break
                        l0, lk, nr = _price_down(items, hi0, hik, fmid, cj, fcost[j])
                        d = nr * cj
                        bound = low[j] = (l0, lk, d, l0 / d, lk / d)
                    l0, lk, d, fl0, flk = bound
                    g0, gk = fl0 - fu0, flk - fuk
                    # Floats are correctly rounded from the exact values: a relative gap of 1e-9 decides.
                    if (g0 > 1e-9 * fu0 and gk > 1e-9 * fuk) or _beaten(
                        l0, lk, d, u0, un0, uk, unk, rw < rank[j]
                    ):
                        break
                    if fresh:
                        if m0 < 0 <= mk:
                            # Short of money at b: what changes the outcome is its becoming affordable.
                            return self._failed(-m0, -mk, k)
                        return self._failed(g0, gk, k)
                    # A bound from an earlier round may just be stale: bound it again.
                    bound = None
            l0, lk, nr = _price_down(items_w, hi0, hik, fmid, c, fcost[w])
            l0 //= nr
            lk //= nr
            u0 = -(-u0 // n0)
            uk = -(-uk // nk)
            first = len(lo0)
            a0 = [x - u0 for x in map(lo0.__getitem__, items_w)]
            ak = [x - uk for x in map(lok.__getitem__, items_w)]
            h0 = [x - l0 for x in map(hi0.__getitem__, items_w)]
            hk = [x - lk for x in map(hik.__getitem__, items_w)]
            zero: tuple[int, ...] = ()
            if min(a0) < 0 or min(ak) < 0:
                dead: list[int] = []
                for i in range(len(a0)):
                    if a0[i] < 0 or ak[i] < 0:
                        if h0[i] <= 0 and hk[i] <= 0:
                            # Unable to pay in full over the whole interval: left with nothing.
                            dead.append(i)
                            continue
                        # Unable to pay in full somewhere in the interval: what is left lies between 0
                        # (or lo - price, where that is the better bound) and the chord of
                        # max(0, hi - price).
                        if a0[i] + ak[i] < 0:
                            a0[i] = ak[i] = 0
                        h0[i], hk[i] = max(h0[i], 0), max(hk[i], 0)
                if dead:
                    zero = tuple(dead)
                    gone = set(dead)
                    alive = [i for i in range(len(a0)) if i not in gone]
                    a0, ak = [a0[i] for i in alive], [ak[i] for i in alive]
                    h0, hk = [h0[i] for i in alive], [hk[i] for i in alive]
            lo0 += a0
            lok += ak
            hi0 += h0
            hik += hk
            fmid += map(float, map(add, h0, hk))
            state = self._after(state, w, items_w, first, zero)
        for j in remaining:
            items = self._items(state, j)
            m0, mk = cost[j] - _money(items, hi0), cost[j] - _money(items, hik)
            if m0 <= 0 or mk <= 0:
                return self._failed(m0, mk, k)
        return True

    def _failed(self, g0: float, gk: float, k: int) -> bool:
        """Note where the margin that failed, g0 at b and gk at b + k, crosses zero (0: at b already)."""
        self.fail = k * g0 / (g0 - gk) if g0 > 0 >= gk else 0.0
        self.closing = gk < g0
        return False


def _money(items: Counter[int], vals: list[int]) -> int:
    return sum(map(mul, items.values(), map(vals.__getitem__, items)))


def _beaten(l0: int, lk: int, d: int, u0: int, un0: int, uk: int, unk: int, tie_ok: bool) -> bool:
    """Return whether a lower rho bound stays above the winner's upper rho at both ends."""
    if tie_ok:
        return l0 * un0 >= u0 * d and lk * unk >= uk * d
    return l0 * un0 > u0 * d and lk * unk > uk * d


def _price_up(items: Counter[int], vals: list[int], c: int) -> tuple[int, int] | None:
    """Return the exact price as (numerator, supporters paying it); None when unaffordable."""
    if _money(items, vals) < c:
        return None
    contrib = 0
    nrich = sum(items.values())
    for cls in sorted(items, key=vals.__getitem__):
        rest = c - contrib
        v = vals[cls]
        if rest <= nrich * v:
            return rest, nrich
        w = items[cls]
        contrib += w * v
        nrich -= w
    raise AssertionError("an affordable price exists")


def _price_down(
    items: Counter[int], hi0: list[int], hik: list[int], fmid: list[float], c: int, fc: float
) -> tuple[int, int, int]:
    """Return lower bounds of the price at both ends, as (numerator at b, at b + k, denominator)."""
    # Any set of supporters gives a valid bound; the one unable to pay at mid-interval gives the
    # tightest, and floats are good enough to choose it (never the richest class: the bound needs a
    # payer left, and when the project is unaffordable this is still a valid bound).
    order = sorted(items, key=fmid.__getitem__)
    c2 = 2 * fc
    contrib = 0.0
    nrich = sum(items.values())
    poor: list[int] = []
    for cls in order[:-1]:
        v = fmid[cls]
        if c2 - contrib <= nrich * v:
            break
        w = items[cls]
        contrib += w * v
        nrich -= w
        poor.append(cls)
    if not poor:
        return c, c, nrich
    ws = [items[cls] for cls in poor]
    return (
        c - sum(map(mul, ws, map(hi0.__getitem__, poor))),
        c - sum(map(mul, ws, map(hik.__getitem__, poor))),
        nrich,
    )
