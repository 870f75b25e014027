"""Deterministic generator of pabulib elections of the shapes real cities produce, at any size.

Each shape is a function of a seeded `random.Random` and a size: `small` elections are for random
comparison with pabutools (a few projects and voters, costs small enough that pabutools' +1 loop is
quick), `large` ones for the benchmark (the sizes the issue names: 183 projects, 10 000 long ballots,
150 000 choose-1 voters...). The same (shape, seed, size) always gives the same text.

    from tests.tally import shapes
    text = shapes.pb_text(shapes.make("k-approval", seed=3, size="small"))
    path = shapes.write(shapes.make("choose-1", seed=0, size="large"), directory)

Shapes (`SHAPES`):
- many-projects: 180+ projects (Warszawa, Kraków citywide), short approval ballots.
- long-ballots: long approval ballots (Amsterdam, Assen: voters tick a third of the list).
- k-approval: every ballot names exactly k projects, k large (META min_length = max_length = k).
- distinct: many distinct ballots, almost no repeats (random subsets of many projects).
- cumulative: points with a per-project cap and a total (Toulouse: max_points 3, max_sum_points 7).
- ordinal: rankings of up to max_length projects (Chicago, Stanford rankings).
- choose-1: one project per voter (Budapest districts, Mechanical Turk).
- tie-heavy: few distinct costs and equal approval counts (cyclic ballots), so tie-breaking decides.
- repeated: a handful of ballots repeated many times (paper ballots, blocs).
- district: small district elections (Gdynia, Warszawa districts): few projects, hundreds of voters.
- zero-cost: free projects, projects nobody supports, and one project dearer than the budget.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SIZES = ("small", "large")


@dataclass(frozen=True)
class Shaped:
    """One generated election: what a .pb file holds, before it is written."""

    shape: str
    seed: int
    size: str
    kind: str
    projects: list[tuple[str, int]]
    budget: int
    ballots: list[tuple[list[str], list[int] | None]]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Return a file stem naming the shape, size and seed."""
        return f"shape_{self.shape}_{self.size}_{self.seed}"


def _ids(rng: random.Random, n: int) -> list[str]:
    # Numeric ids as in most pabulib files ("10" sorts before "2" as a string: pabutools' tie-break);
    # small elections sometimes get letters or mixed-case ids as other files use.
    style = rng.choice(("num", "num", "num", "letters")) if n <= 26 else "num"
    if style == "letters":
        pool = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return rng.sample(pool, n)
    start = rng.choice((0, 1, 1, 100, 15000))
    ids = [str(start + i) for i in range(n)]
    rng.shuffle(ids)
    return ids


def _costs(rng: random.Random, n: int, size: str, distinct: int | None = None) -> list[int]:
    # Costs spread over two orders of magnitude, as in real files. Small elections use small units so
    # pabutools' mes-add1 (+1 per voter per iteration) ends in a few hundred iterations.
    unit = 1 if size == "small" else rng.choice((100, 1000))
    lo, hi = (5, 400) if size == "small" else (20, 2000)
    if distinct is not None:
        values = [int(lo * (hi / lo) ** rng.random()) * unit for _ in range(distinct)]
        return [rng.choice(values) for _ in range(n)]
    return [int(lo * (hi / lo) ** rng.random()) * unit for _ in range(n)]


def _budget(rng: random.Random, costs: list[int], lo: float = 0.15, hi: float = 0.6) -> int:
    # A fraction of the total cost, so that rules have to choose.
    total = sum(costs)
    return max(1, int(total * rng.uniform(lo, hi)))


def _popularity(rng: random.Random, n: int) -> list[float]:
    # Zipf-like popularity: a few projects most voters like, a long tail.
    weights = [1.0 / (i + 1) ** rng.uniform(0.5, 1.2) for i in range(n)]
    rng.shuffle(weights)
    return weights


def _pick(rng: random.Random, ids: list[str], weights: list[float], k: int) -> list[str]:
    """Draw k distinct ids with probabilities proportional to their weights."""
    k = min(k, len(ids))
    if k * 3 > len(ids):
        # Efraimidis-Spirakis keys: exact weighted sampling without replacement in one pass.
        keyed = sorted(range(len(ids)), key=lambda i: rng.random() ** (1.0 / weights[i]), reverse=True)
        return [ids[i] for i in keyed[:k]]
    chosen: dict[str, None] = {}
    while len(chosen) < k:
        for p in rng.choices(ids, weights, k=k - len(chosen)):
            chosen[p] = None
    return list(chosen)


def _approval(
    rng: random.Random,
    ids: list[str],
    voters: int,
    lengths: Callable[[], int],
    weights: list[float] | None = None,
) -> list[tuple[list[str], list[int] | None]]:
    w = weights or _popularity(rng, len(ids))
    return [(_pick(rng, ids, w, lengths()), None) for _ in range(voters)]


def _size(size: str, small: tuple[int, int], large: int, rng: random.Random) -> int:
    return rng.randint(*small) if size == "small" else large


def many_projects(rng: random.Random, size: str) -> Shaped:
    """180+ projects, approval ballots of 1 to 15 projects."""
    n = _size(size, (12, 30), 183, rng)
    voters = _size(size, (5, 30), 20_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    ballots = _approval(rng, ids, voters, lambda: rng.randint(1, min(15, n)))
    return Shaped(
        "many-projects", 0, size, "approval", list(zip(ids, costs, strict=True)), _budget(rng, costs), ballots
    )


def long_ballots(rng: random.Random, size: str) -> Shaped:
    """Approval ballots naming a third of the projects or more."""
    n = _size(size, (5, 10), 60, rng)
    voters = _size(size, (4, 25), 10_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    ballots = _approval(rng, ids, voters, lambda: rng.randint(max(1, n // 3), n))
    return Shaped(
        "long-ballots", 0, size, "approval", list(zip(ids, costs, strict=True)), _budget(rng, costs), ballots
    )


def k_approval(rng: random.Random, size: str) -> Shaped:
    """Every ballot names exactly k projects (min_length = max_length = k), k large."""
    n = _size(size, (6, 12), 80, rng)
    k = rng.randint(2, n - 2) if size == "small" else 20
    voters = _size(size, (4, 25), 30_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    ballots = _approval(rng, ids, voters, lambda: k)
    meta = {"min_length": str(k), "max_length": str(k)}
    return Shaped(
        "k-approval",
        0,
        size,
        "approval",
        list(zip(ids, costs, strict=True)),
        _budget(rng, costs),
        ballots,
        meta,
    )


def distinct(rng: random.Random, size: str) -> Shaped:
    """Many distinct ballots with few repeats: uniform random subsets of many projects."""
    n = _size(size, (10, 20), 100, rng)
    voters = _size(size, (10, 40), 50_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    flat = [1.0] * n
    ballots = _approval(rng, ids, voters, lambda: rng.randint(3, min(12, n)), flat)
    return Shaped(
        "distinct", 0, size, "approval", list(zip(ids, costs, strict=True)), _budget(rng, costs), ballots
    )


def cumulative(rng: random.Random, size: str) -> Shaped:
    """Points with a per-project cap (max_points) and a total per voter (max_sum_points)."""
    n = _size(size, (4, 10), 50, rng)
    voters = _size(size, (4, 25), 40_000, rng)
    # Large: Toulouse's limits (3 points a project, 7 in all).
    cap = rng.randint(1, 4) if size == "small" else 3
    total = rng.randint(cap, cap * 4) if size == "small" else 7
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    w = _popularity(rng, n)
    ballots: list[tuple[list[str], list[int] | None]] = []
    for _ in range(voters):
        spend = rng.randint(1, total)
        chosen = _pick(rng, ids, w, min(n, rng.randint(1, spend)))
        points = [1] * len(chosen)
        spend -= len(chosen)
        while spend > 0 and any(p < cap for p in points):
            i = rng.randrange(len(chosen))
            if points[i] < cap:
                points[i] += 1
                spend -= 1
        ballots.append((chosen, points))
    meta = {"max_points": str(cap), "max_sum_points": str(total)}
    return Shaped(
        "cumulative",
        0,
        size,
        "cumulative",
        list(zip(ids, costs, strict=True)),
        _budget(rng, costs),
        ballots,
        meta,
    )


def ordinal(rng: random.Random, size: str) -> Shaped:
    """Rankings of 1 to max_length projects, most popular first more often than not."""
    n = _size(size, (3, 10), 40, rng)
    voters = _size(size, (4, 25), 30_000, rng)
    longest = rng.randint(2, n) if size == "small" else 10
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    ballots = _approval(rng, ids, voters, lambda: rng.randint(1, longest))
    meta = {"max_length": str(longest)}
    return Shaped(
        "ordinal", 0, size, "ordinal", list(zip(ids, costs, strict=True)), _budget(rng, costs), ballots, meta
    )


def choose_1(rng: random.Random, size: str) -> Shaped:
    """One project per voter."""
    n = _size(size, (3, 10), 30, rng)
    voters = _size(size, (5, 40), 150_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    ballots = _approval(rng, ids, voters, lambda: 1)
    return Shaped(
        "choose-1", 0, size, "choose-1", list(zip(ids, costs, strict=True)), _budget(rng, costs), ballots
    )


def tie_heavy(rng: random.Random, size: str) -> Shaped:
    """Few distinct costs and equal approval counts: cyclic ballots, so tie-breaking decides."""
    n = _size(size, (3, 8), 40, rng)
    rounds = _size(size, (1, 4), 500, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size, distinct=rng.randint(1, 3))
    length = rng.randint(1, n)
    ballots: list[tuple[list[str], list[int] | None]] = []
    # Voter i approves the `length` projects after i (cyclically): every project gets the same count.
    for _ in range(rounds):
        for i in range(n):
            ballots.append(([ids[(i + j) % n] for j in range(length)], None))
    if rng.random() < 0.5:
        # A budget that is exactly a sum of costs: "just fits" ties.
        chosen = rng.sample(costs, rng.randint(1, n - 1))
        budget = sum(chosen)
    else:
        budget = _budget(rng, costs)
    return Shaped("tie-heavy", 0, size, "approval", list(zip(ids, costs, strict=True)), budget, ballots)


def repeated(rng: random.Random, size: str) -> Shaped:
    """A handful of distinct ballots, each repeated many times (blocs, paper ballots)."""
    n = _size(size, (3, 8), 30, rng)
    patterns = _size(size, (1, 4), 12, rng)
    voters = _size(size, (5, 40), 20_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    shapes_ = [rng.sample(ids, rng.randint(1, n)) for _ in range(patterns)]
    mix = [rng.random() + 0.1 for _ in shapes_]
    ballots: list[tuple[list[str], list[int] | None]] = [
        (list(rng.choices(shapes_, mix)[0]), None) for _ in range(voters)
    ]
    return Shaped(
        "repeated", 0, size, "approval", list(zip(ids, costs, strict=True)), _budget(rng, costs), ballots
    )


def district(rng: random.Random, size: str) -> Shaped:
    """A district election: few projects, a few dozen to thousands of voters, ballots of 1 to 5 projects."""
    n = _size(size, (3, 8), 12, rng)
    voters = _size(size, (8, 60), 3_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    ballots = _approval(rng, ids, voters, lambda: rng.randint(1, min(5, n)))
    return Shaped(
        "district",
        0,
        size,
        "approval",
        list(zip(ids, costs, strict=True)),
        _budget(rng, costs, 0.2, 0.7),
        ballots,
    )


def zero_cost(rng: random.Random, size: str) -> Shaped:
    """Free projects, projects no ballot names, and a project dearer than the whole budget."""
    n = _size(size, (4, 10), 50, rng)
    voters = _size(size, (4, 30), 10_000, rng)
    ids = _ids(rng, n)
    costs = _costs(rng, n, size)
    budget = _budget(rng, costs)
    roles = rng.sample(range(n), 3)
    costs[roles[0]] = 0
    costs[roles[1]] = budget + rng.randint(1, 50)
    if rng.random() < 0.5:
        costs[roles[2]] = 0
    unsupported = {ids[i] for i in rng.sample(range(n), max(1, n // 4))}
    named = [p for p in ids if p not in unsupported]
    ballots = _approval(rng, named, voters, lambda: rng.randint(1, len(named)))
    return Shaped("zero-cost", 0, size, "approval", list(zip(ids, costs, strict=True)), budget, ballots)


SHAPES: dict[str, Callable[[random.Random, str], Shaped]] = {
    "many-projects": many_projects,
    "long-ballots": long_ballots,
    "k-approval": k_approval,
    "distinct": distinct,
    "cumulative": cumulative,
    "ordinal": ordinal,
    "choose-1": choose_1,
    "tie-heavy": tie_heavy,
    "repeated": repeated,
    "district": district,
    "zero-cost": zero_cost,
}


def make(shape: str, seed: int, size: str = "small") -> Shaped:
    """Generate one election of a shape; the same arguments always give the same election."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    rng = random.Random(f"{shape}/{size}/{seed}")
    e = SHAPES[shape](rng, size)
    return Shaped(shape, seed, size, e.kind, e.projects, e.budget, e.ballots, e.meta)


def cases(count: int, seed: int = 0, size: str = "small") -> Iterator[Shaped]:
    """Yield `count` elections, cycling through every shape (seeds seed, seed+1, ...)."""
    names = list(SHAPES)
    for i in range(count):
        yield make(names[i % len(names)], seed + i // len(names), size)


def pb_text(e: Shaped) -> str:
    """Return the election as pabulib .pb text."""
    meta = {
        "description": f"Generated {e.shape} election ({e.size}, seed {e.seed})",
        "country": "Civic shapes",
        "unit": e.shape,
        "instance": str(e.seed),
        "num_projects": str(len(e.projects)),
        "num_votes": str(len(e.ballots)),
        "budget": str(e.budget),
        "vote_type": e.kind,
        "rule": "greedy",
        **e.meta,
    }
    votes: dict[str, int] = {}
    for ids, points in e.ballots:
        for i, p in enumerate(ids):
            votes[p] = votes.get(p, 0) + (points[i] if points else 1)
    lines = ["META", "key;value", *(f"{k};{v}" for k, v in meta.items())]
    lines += ["PROJECTS", "project_id;cost;votes;name"]
    lines += [f"{p};{c};{votes.get(p, 0)};Project {p}" for p, c in e.projects]
    lines += ["VOTES", "voter_id;vote;points" if e.kind == "cumulative" else "voter_id;vote"]
    for v, (ids, points) in enumerate(e.ballots, start=1):
        row = f"{v};{','.join(ids)}"
        if points is not None:
            row += ";" + ",".join(map(str, points))
        lines.append(row)
    return "\n".join(lines) + "\n"


def write(e: Shaped, directory: str | Path) -> Path:
    """Write the election to <directory>/<name>.pb and return its path (an identical file is left as is)."""
    path = Path(directory) / f"{e.name}.pb"
    text = pb_text(e)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return path
