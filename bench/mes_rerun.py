"""Time one Method of Equal Shares rerun at several per-voter budgets, as the add1 loops run it.

    python bench/mes_rerun.py [--file Hungary_Budapest_2024] [--runs 100]

The add1 rules rerun MES with per-voter budgets one unit apart on one `_MES` instance; this times 100
consecutive budgets from a few starting points and writes bench/results/mes_rerun.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tally import shared_dir  # noqa: E402

from civic.tally import pabulib  # noqa: E402
from civic.tally.rules.mes import _MES  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "mes_rerun.md"


def main() -> None:
    """Run the timings and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default="Hungary_Budapest_2024")
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    path = shared_dir() / "perf" / f"{args.file}.pb"
    election = pabulib.read(path).election()
    start = int(Fraction(election.budget) / election.num_voters)
    lines = [
        f"# MES rerun time on {args.file} ({args.runs} consecutive per-voter budgets)",
        "",
        "| first per-voter budget | ms per run |",
        "|---|---|",
    ]
    for offset in (1_000, 10_000, 16_000, 22_000):
        mes = _MES(election, replay=True)
        first = start + offset
        t = time.perf_counter()
        for b in range(first, first + args.runs):
            mes.run(Fraction(b), mes.cost_then_approvals, False)
        ms = (time.perf_counter() - t) / args.runs * 1000
        lines.append(f"| {first} | {ms:.1f} |")
        print(lines[-1], flush=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
