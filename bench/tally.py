"""Benchmark Civic's counting engine against pabutools 1.2.3: every shared file, generated shapes, every rule.

    python bench/tally.py [--quick] [--fresh] [--files Lodz,shape_] [--rules mes,phragmen]
                          [--timeout 600] [--add1-timeout 300] [--civic-add1-timeout 30] [--cached-only]

Files: every shared pabulib file (../shared/pabulib/test and perf, or $CIVIC_PABULIB_DIR) plus the large
elections of tests/tally/shapes.py (written once to bench/.cache/shapes/, git-ignored); `--quick` runs
the small generated shapes only, for development.

Per file and rule:
- Civic = `pabulib.read(file).election()` then `api.count(election, rule)`, in process, best of a few;
  pabutools = `parse_pabulib(file)` then the same rule (tests/tally/pabutools_ref.py), in process in a
  child Python (so a run that takes hours can be cut at --timeout: the ratio is then a lower bound,
  "≥"). ratio = pabutools read+count / Civic read+count.
- pabutools timings are slow (mes-add1 on Łódź ~150 s): they are cached in bench/.cache/tally_pabutools.json
  keyed by file hash, rule and pabutools version; `--fresh` measures them again. Civic is always measured.
- csv floor = `list(csv.reader(file, delimiter=";"))`: Python's C csv module materialising every row,
  the floor of any Python reader. read/floor = Civic read / floor.
- pass: mes-add1 and mes-add1-official ≤ 10 s (their pabutools runs take minutes to hours: the ratio is
  shown, not required); every other rule ≤ 1 s and (ratio ≥ 100 or, where counting is trivial — the
  count takes less time than the read — read+count ≤ 1.5 × csv floor).
- CLI start = `civic tally tiny.pb --rule greedy` / `python -c pass` of the same venv, best of 7 each.

The machine may be shared while this runs: the numbers are indicative; Civic's are re-measured each run.
Prints the markdown report and writes bench/results/tally.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civic.tally import api, pabulib  # noqa: E402
from tests.tally import shapes  # noqa: E402

RULES = ("greedy", "greedy-cardinality", "mes", "mes-greedy", "phragmen", "mes-add1", "mes-add1-official")
ADD1 = frozenset({"mes-add1", "mes-add1-official"})
CACHE_DIR = ROOT / "bench" / ".cache"
CACHE = CACHE_DIR / "tally_pabutools.json"
RESULTS = ROOT / "bench" / "results" / "tally.md"
LIMIT = 1.0
ADD1_LIMIT = 10.0
MIN_RATIO = 100.0
FLOOR_FACTOR = 1.5
SMALL_FILE = 200_000  # bytes
# Where pabutools itself takes less than this, a ratio mostly compares fixed costs (imports aside,
# a few object constructions): the per-rule table also gives the minimum over heavier cells.
HEAVY = 0.1


def shared_dir() -> Path:
    """Return <repo>/../shared/pabulib (or $CIVIC_PABULIB_DIR)."""
    env = os.environ.get("CIVIC_PABULIB_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "pabulib"


def bench_files(quick: bool) -> list[Path]:
    """Return the shared files and the generated shapes (small ones only with `quick`)."""
    if quick:
        return [shapes.write(shapes.make(s, 0, "small"), CACHE_DIR / "shapes") for s in shapes.SHAPES]
    shared = sorted((shared_dir() / "test").glob("*.pb")) + sorted((shared_dir() / "perf").glob("*.pb"))
    generated = [shapes.write(shapes.make(s, 0, "large"), CACHE_DIR / "shapes") for s in shapes.SHAPES]
    return shared + generated


def csv_floor(path: Path) -> None:
    """Read the file with Python's C csv module, materialising every row."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        list(csv.reader(fh, delimiter=";"))


def best(fn: object, budget: float = 2.0, most: int = 5) -> float:
    """Return the best wall time of up to `most` calls, stopping once `budget` seconds are spent."""
    out = float("inf")
    spent = 0.0
    for _ in range(most):
        gc.collect()
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        dt = time.perf_counter() - t
        out = min(out, dt)
        spent += dt
        if spent > budget:
            break
    return out


def measure_once(side: str, path: Path, rule: str) -> dict[str, float]:
    """Read and count once in this process; return {"read": s, "count": s}."""
    if side == "civic":
        t0 = time.perf_counter()
        election = pabulib.read(path).election()
        t1 = time.perf_counter()
        api.count(election, rule)
        t2 = time.perf_counter()
        return {"read": t1 - t0, "count": t2 - t1}
    from pabutools.election import parse_pabulib

    from tests.tally import pabutools_ref

    t0 = time.perf_counter()
    inst, prof = parse_pabulib(str(path))
    t1 = time.perf_counter()
    pabutools_ref.run(rule, inst.meta["vote_type"], inst, prof)
    t2 = time.perf_counter()
    return {"read": t1 - t0, "count": t2 - t1}


def in_child(side: str, path: Path, rule: str, timeout: float) -> dict[str, float]:
    """Measure in a child Python, cut at `timeout` seconds ({"timeout": timeout} then)."""
    cmd = [sys.executable, __file__, "--one", side, str(path), rule]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    except subprocess.CalledProcessError as exc:
        return {"error": 1, "message": exc.stderr.strip().splitlines()[-1][:200]}  # type: ignore[dict-item]
    return json.loads(out.stdout.strip().splitlines()[-1])


def file_hash(path: Path) -> str:
    """Return the sha256 of a file (the cache key: a changed file is measured again)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


def pabutools_version() -> str:
    """Return the installed pabutools version."""
    from importlib.metadata import version

    return version("pabutools")


class Cache:
    """pabutools timings on disk, keyed by file hash, rule and pabutools version."""

    def __init__(self, fresh: bool, cached_only: bool = False) -> None:
        self.data: dict[str, dict[str, float]] = {}
        if CACHE.exists():
            self.data = json.loads(CACHE.read_text())
        self.fresh = fresh
        self.cached_only = cached_only
        self.measured: set[str] = set()
        self.version = pabutools_version()

    def get(self, path: Path, rule: str, timeout: float) -> dict[str, float]:
        """Return pabutools' timing of (file, rule), measuring it when not cached (or with --fresh)."""
        key = f"{file_hash(path)}|{rule}|pabutools {self.version}"
        cached = self.data.get(key)
        if cached is None and self.cached_only:
            return {"error": 1, "message": "not measured (--cached-only)"}  # type: ignore[dict-item]
        if cached is None or (self.fresh and key not in self.measured):
            print(f"  pabutools {path.name} {rule} (up to {timeout:.0f} s)...", flush=True)
            if rule in ADD1 or path.stat().st_size > SMALL_FILE:
                cached = in_child("pabutools", path, rule, timeout)
            else:
                # Small files and single-run rules take well under a second: no child to start.
                cached = dict(min((measure_once("pabutools", path, rule) for _ in range(3)), key=_total))
            cached["file"] = path.name  # type: ignore[assignment]
            self.measured.add(key)
            # Merge with the file as it is now: another run may have added timings meanwhile.
            if CACHE.exists():
                self.data.update(json.loads(CACHE.read_text()))
            self.data[key] = cached
            CACHE.parent.mkdir(parents=True, exist_ok=True)
            tmp = CACHE.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
            tmp.replace(CACHE)
        return cached

    def read_time(self, path: Path, read: float) -> float:
        """Return pabutools' best read time of a file over every rule measured (the read is the same)."""
        prefix, suffix = file_hash(path) + "|", f"|pabutools {self.version}"
        reads = [
            v["read"]
            for k, v in self.data.items()
            if k.startswith(prefix) and k.endswith(suffix) and "read" in v
        ]
        return min([read, *reads])


def _total(t: dict[str, float]) -> float:
    return t["read"] + t["count"]


@dataclass
class Cell:
    """One (file, rule) measurement."""

    file: str
    rule: str
    civic: float  # read + count, seconds (inf when cut)
    civic_read: float  # the file's best read time
    civic_count: float
    pabutools: float | None  # read + count (lower bound when timed_out)
    timed_out: bool
    floor: float
    crash: str = ""

    @property
    def ratio(self) -> float | None:
        """Return pabutools / Civic (None when pabutools has no such rule)."""
        return None if self.pabutools is None else self.pabutools / self.civic

    @property
    def trivial(self) -> bool:
        """Return whether counting is trivial: it takes less time than reading."""
        return self.civic_count < self.civic_read

    @property
    def passed(self) -> bool:
        """Return whether the cell meets the issue's criterion."""
        if self.crash:
            return False
        if self.rule in ADD1:
            return self.civic <= ADD1_LIMIT
        if self.civic > LIMIT:
            return False
        if self.ratio is not None and self.ratio >= MIN_RATIO:
            return True
        return self.trivial and self.civic <= FLOOR_FACTOR * self.floor


class CivicCrash(Exception):
    """Civic raised while counting (the bench reports it as a failing cell)."""


def civic_cell(path: Path, rule: str, add1_timeout: float) -> tuple[float, float]:
    """Return Civic's (read+count, count) on one file and rule."""
    if rule in ADD1:
        # One run, in a child so that a count of minutes can be cut.
        r = in_child("civic", path, rule, add1_timeout)
        if "error" in r:
            raise CivicCrash(str(r["message"]))
        if "timeout" in r:
            return float("inf"), float("inf")
        return r["read"] + r["count"], r["count"]
    election = pabulib.read(path).election()
    try:
        api.count(election, rule)
    except Exception as exc:
        raise CivicCrash(f"{type(exc).__name__}: {exc}") from None
    t_count = best(lambda: api.count(election, rule))
    t_all = best(lambda: api.count(pabulib.read(path).election(), rule))
    return t_all, t_count


def cli_start(repeat: int = 7) -> tuple[float, float]:
    """Return the best wall time of `civic tally tiny.pb --rule greedy` and of `python -c pass`."""
    import cli_start as start  # bench/cli_start.py, next to this script

    best = start.measure(repeat, include_flask=False)
    return best["civic tally tiny.pb --rule greedy"][0], best["python -c pass"][0]


def fmt_s(x: float) -> str:
    """Format seconds."""
    if x == float("inf"):
        return "cut"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_ratio(c: Cell) -> str:
    """Format a ratio (≥ when pabutools was cut at the timeout)."""
    if c.crash:
        return "CRASH"
    if c.ratio is None:
        return "n/a"
    if c.civic == float("inf"):
        return "?"
    digits = 1 if c.ratio < 10 else 0
    return f"{'≥' if c.timed_out else ''}{c.ratio:.{digits}f}×"


def report(
    cells: list[Cell], files: list[tuple[str, int, int, str, float, float]], cli: tuple[float, float]
) -> str:
    """Return the markdown report."""
    lines = [
        "# Civic tally benchmark",
        "",
        "`python bench/tally.py` — read + count in process, Civic vs pabutools 1.2.3 (pabutools timings",
        "cached by file hash; see the module docstring). ratio = pabutools / Civic (≥: pabutools cut at the",
        f"timeout). Pass: ≤ {LIMIT:.0f} s and (ratio ≥ {MIN_RATIO:.0f} or, count trivial, read+count ≤ "
        f"{FLOOR_FACTOR} × csv floor); mes-add1* ≤ {ADD1_LIMIT:.0f} s. ✗ marks a failing cell.",
        "",
        f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a busy machine slows"
        " Civic's timings taken now and pabutools' cached ones alike, not necessarily equally).",
        "",
        "## Per rule",
        "",
        f"min ratio (pabutools ≥ {HEAVY} s): the same over cells where pabutools reads and counts in at "
        f"least {HEAVY} s (below that a ratio mostly compares fixed costs).",
        "",
        "| rule | cells | failing | min ratio | on | min ratio (pabutools ≥ "
        f"{HEAVY} s) | on | slowest Civic read+count (s) | on |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rules = [r for r in RULES if any(c.rule == r for c in cells)]
    for rule in rules:
        mine = [c for c in cells if c.rule == rule]
        rated = [c for c in mine if c.ratio is not None and c.civic != float("inf")]
        low = min(rated, key=lambda c: c.ratio or 0.0) if rated else None
        heavy = [c for c in rated if (c.pabutools or 0.0) >= HEAVY]
        low_heavy = min(heavy, key=lambda c: c.ratio or 0.0) if heavy else None
        slow = max(mine, key=lambda c: c.civic)
        failing = sum(not c.passed for c in mine)
        lines.append(
            f"| {rule} | {len(mine)} | {failing} | {fmt_ratio(low) if low else 'n/a'} | "
            f"{low.file if low else ''} | {fmt_ratio(low_heavy) if low_heavy else 'n/a'} | "
            f"{low_heavy.file if low_heavy else ''} | {fmt_s(slow.civic)} | {slow.file} |"
        )
    lines += [
        "",
        f"CLI start: `civic tally tiny.pb` {cli[0] * 1000:.0f} ms / `python -c pass` {cli[1] * 1000:.0f} ms"
        f" = **{cli[0] / cli[1]:.1f}×** (goal ≤ 4×).",
        "",
        "## Reading",
        "",
        "| file | kind | projects | voters | csv floor (s) | Civic read (s) | read/floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, n_projects, voters, kind, floor, read in files:
        lines.append(
            f"| {name} | {kind} | {n_projects} | {voters} | {floor:.4f} | {read:.4f} | {read / floor:.2f} |"
        )
    lines += [
        "",
        "## Civic read+count (s) and ratio per rule",
        "",
        "| file | " + " | ".join(rules) + " |",
        "|---|" + "---|" * len(rules),
    ]
    by = {(c.file, c.rule): c for c in cells}
    for name, *_ in files:
        row = []
        for rule in rules:
            c = by.get((name, rule))
            row.append("" if c is None else f"{fmt_s(c.civic)} {fmt_ratio(c)}{'' if c.passed else ' ✗'}")
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    crashes = [c for c in cells if c.crash]
    if crashes:
        lines += ["", "## Civic crashes", ""] + [f"- {c.file} {c.rule}: {c.crash}" for c in crashes]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run the benchmark, print and write the report; return 1 when a cell fails."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small generated shapes only (development)")
    ap.add_argument("--fresh", action="store_true", help="measure pabutools again instead of using the cache")
    ap.add_argument("--files", default="", help="comma-separated substrings of file names to run")
    ap.add_argument("--rules", default="", help="comma-separated rules (default: all)")
    ap.add_argument("--timeout", type=float, default=600, help="cut a pabutools run after this (s)")
    ap.add_argument("--add1-timeout", type=float, default=300, help="cut a pabutools mes-add1 run (s)")
    ap.add_argument("--civic-add1-timeout", type=float, default=30, help="cut a Civic mes-add1* run (s)")
    ap.add_argument("--pabutools-only", action="store_true", help="only fill the pabutools cache")
    ap.add_argument("--cached-only", action="store_true", help="never run pabutools: cached timings or n/a")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the report")
    ap.add_argument("--one", nargs=3, metavar=("SIDE", "FILE", "RULE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        side, file, rule = args.one
        print(json.dumps(measure_once(side, Path(file), rule)))
        return 0
    paths = bench_files(args.quick)
    if args.files:
        paths = [p for p in paths if any(s in p.name for s in args.files.split(","))]
    rules = args.rules.split(",") if args.rules else list(RULES)
    cache = Cache(args.fresh, args.cached_only)
    from tests.tally import pabutools_ref

    cells: list[Cell] = []
    files: list[tuple[str, int, int, str, float, float]] = []
    if args.pabutools_only:
        # Single runs first, the add1 loops (minutes to hours) last; smaller files first.
        kinds = {p: pabulib.read(p).election().kind for p in paths}
        for add1 in (False, True):
            for path in sorted(paths, key=lambda p: p.stat().st_size):
                for rule in rules:
                    if (rule in ADD1) == add1 and rule in pabutools_ref.rules_for(kinds[path]):
                        cache.get(path, rule, args.add1_timeout if add1 else args.timeout)
        return 0
    for path in paths:
        election = pabulib.read(path).election()
        kind = election.kind
        applicable = [r for r in rules if kind in api.RULES[r].ballot_kinds]
        floor = best(lambda path=path: csv_floor(path))
        read = best(lambda path=path: pabulib.read(path).election())
        files.append((path.stem, len(election.projects), election.num_voters, kind, floor, read))
        for rule in applicable:
            crash = ""
            try:
                t_all, t_count = civic_cell(path, rule, args.civic_add1_timeout)
            except CivicCrash as exc:
                t_all, t_count, crash = float("inf"), float("inf"), str(exc)
            pabu: float | None = None
            cut = False
            if rule in pabutools_ref.rules_for(kind):
                p = cache.get(path, rule, args.add1_timeout if rule in ADD1 else args.timeout)
                if "timeout" in p:
                    pabu, cut = p["timeout"], True
                elif "error" not in p:
                    pabu = cache.read_time(path, p["read"]) + p["count"]
            cell = Cell(path.stem, rule, t_all, read, t_count, pabu, cut, floor, crash)
            cells.append(cell)
            print(f"{path.stem} {rule}: civic {fmt_s(t_all)} s, ratio {fmt_ratio(cell)}", flush=True)
    text = report(cells, files, cli_start())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0 if all(c.passed for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
