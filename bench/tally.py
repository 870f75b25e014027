"""Benchmark Civic's counting engine against pabutools 1.2.3 on the big shared pabulib files.

    python bench/tally.py [--skip-slow] [--files Lodz,Krakow]

Writes a markdown table to bench/results/tally.md and prints it. Times are the best of a few runs
(one run for pabutools, which is slow). "floor" is a tight pure-Python loop that only reads the file
and counts approvals: the fastest any parser written in Python could hope to be.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civic.tally import api, pabulib  # noqa: E402

RULES = ("greedy", "mes", "mes-greedy", "phragmen")
RESULTS = ROOT / "bench" / "results" / "tally.md"
HEADER = """# Civic tally benchmark

- parse = `pabulib.read(file).election()`: read the file, check every cell (ids known, numbers, row
  shapes) and group identical ballots: everything counting needs.
- floor = a tight pure-Python loop that only reads the file and counts approvals.
- read with rows = `tuple(pabulib.read(file).voters)`: the same read plus one `PabulibVoter` object per
  VOTES row, which export and database import need (built on first use, never by counting).
- rule times count an election already parsed; ratio = pabutools time / Civic time.

"""


def shared_dir() -> Path:
    """Return <repo>/../shared/pabulib (or $CIVIC_PABULIB_DIR)."""
    import os

    env = os.environ.get("CIVIC_PABULIB_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "pabulib"


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    """Return the best wall time of `repeat` calls."""
    out = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def floor(path: Path) -> None:
    """Read the file and count approvals, nothing else (the lower bound for a Python parser)."""
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8-sig") as fh:
        in_votes = False
        for line in fh:
            if in_votes:
                for p in line.split(";")[1].split(","):
                    counts[p] = counts.get(p, 0) + 1
            elif line.startswith("voter_id"):
                in_votes = True


def pabutools_time(path: Path, rule: str, kind: str) -> float | None:
    """Time pabutools on one rule (None when the rule does not apply to the ballots)."""
    sys.path.insert(0, str(ROOT / "tests" / "tally"))
    import pabutools_ref
    from pabutools.election import parse_pabulib

    if rule not in pabutools_ref.rules_for(kind):
        return None
    inst, prof = parse_pabulib(str(path))
    t = time.perf_counter()
    pabutools_ref.run(rule, kind, inst, prof)
    return time.perf_counter() - t


def fmt(x: float | None) -> str:
    """Format seconds."""
    return "n/a" if x is None else f"{x:.3f}"


def main() -> None:
    """Run the benchmark and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-slow", action="store_true", help="do not run pabutools mes-add1 (~150 s)")
    ap.add_argument("--files", default="", help="comma-separated substrings of file names to run")
    args = ap.parse_args()
    files = sorted((shared_dir() / "perf").glob("*.pb"))
    if args.files:
        files = [f for f in files if any(s in f.name for s in args.files.split(","))]
    lines = [
        "| file | voters | parse (s) | floor (s) | parse/floor | read with rows (s) | rows/floor | "
        + " | ".join(f"{r} civic / pabutools (s) | {r} ratio" for r in RULES)
        + " | worst parse+rule (s) |",
        "|" + "---|" * (8 + 2 * len(RULES)),
    ]
    add1_lines: list[str] = []
    for path in files:
        # Timing noise on a shared machine is a few percent: best of five tries each.
        t_parse = best(lambda path=path: pabulib.read(path).election(), 5)
        t_floor = best(lambda path=path: floor(path), 5)
        t_rows = best(lambda path=path: tuple(pabulib.read(path).voters), 5)
        pb = pabulib.read(path)
        election = pb.election()
        cells = []
        worst = 0.0
        for rule in RULES:
            if election.kind not in api.RULES[rule].ballot_kinds:
                cells += ["n/a", "n/a"]
                continue
            t_civic = best(lambda election=election, rule=rule: api.count(election, rule))
            worst = max(worst, t_civic)
            t_pabu = pabutools_time(path, rule, election.kind)
            ratio = f"{t_pabu / t_civic:.0f}x" if t_pabu else "n/a"
            cells += [f"{fmt(t_civic)} / {fmt(t_pabu)}", ratio]
            print(path.name, rule, fmt(t_civic), fmt(t_pabu), flush=True)
        lines.append(
            f"| {path.stem} | {len(pb.voters)} | {fmt(t_parse)} | {fmt(t_floor)} | {t_parse / t_floor:.2f} | "
            + f"{fmt(t_rows)} | {t_rows / t_floor:.2f} | "
            + " | ".join(cells)
            + f" | {t_parse + worst:.3f} |"
        )
        if "Lodz_2022" in path.name:
            t_add1 = best(lambda election=election: api.count(election, "mes-add1"), repeat=1)
            t_pabu = None if args.skip_slow else pabutools_time(path, "mes-add1", election.kind)
            ratio = f"{t_pabu / t_add1:.0f}x" if t_pabu else "skipped (--skip-slow; ~150 s)"
            add1_lines.append(f"| {path.stem} | {fmt(t_add1)} | {fmt(t_pabu)} | {ratio} |")
    text = HEADER + "\n".join(lines)
    if add1_lines:
        text += "\n\n| mes-add1 | civic (s) | pabutools (s) | ratio |\n|---|---|---|---|\n" + "\n".join(
            add1_lines
        )
    text += "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
