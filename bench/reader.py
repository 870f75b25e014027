"""Time Civic's pabulib reader against Python's csv module on every shared file and generated shape.

    python bench/reader.py [--runs 7] [--only NAME] [--no-shapes]

"csv" = `list(csv.reader(file, delimiter=";"))`: every row materialised by the C csv module, the floor of
any Python reader (issue 9: reading + grouping within 1.5x of it). "civic" = `pabulib.read(file).election()`:
read, check every cell (ids known, numbers, row shapes, repeated ids) and group the ballots — everything a
count needs. Both run in this process, interleaved, best CPU time of `--runs`. Files: $CIVIC_PABULIB_DIR/test and
perf (default ../shared/pabulib) plus the large shapes of tests/tally/shapes.py, written to a temporary
folder. Prints the table and writes bench/results/reader.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civic.tally import pabulib  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reader.md"
# The large shapes of tests/tally/shapes.py that reading is measured on (the others are small or tiny).
SHAPES = (
    "many-projects",
    "long-ballots",
    "k-approval",
    "distinct",
    "cumulative",
    "ordinal",
    "choose-1",
    "repeated",
)


def csv_floor(path: Path) -> None:
    """Read every row with the csv module and keep them (what any Python reader must at least do)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        list(csv.reader(f, delimiter=";"))


def civic(path: Path) -> None:
    """Read the file as `civic tally` does: checked, grouped, ready to count."""
    pabulib.read(path).election()


def once(fn: Callable[[Path], None], path: Path) -> float:
    """Return the CPU time of one call, after a full collection (so no run pays for the previous).

    CPU time, not wall time: on a shared machine a run descheduled for a time slice would otherwise
    count the other processes' work.
    """
    gc.collect()
    started = time.process_time()
    fn(path)
    return time.process_time() - started


def files(shapes_dir: Path | None) -> list[Path]:
    """Return the shared files, then the generated shapes (when a folder is given for them)."""
    shared = Path(os.environ.get("CIVIC_PABULIB_DIR") or ROOT.parent / "shared" / "pabulib")
    found = sorted((shared / "test").glob("*.pb")) + sorted((shared / "perf").glob("*.pb"))
    if shapes_dir is not None:
        from tests.tally import shapes

        found += [shapes.write(shapes.make(name, seed=0, size="large"), shapes_dir) for name in SHAPES]
    return found


def main() -> None:
    """Measure every file, print and record the table with the worst ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", help="Measure only the files whose name holds this text.")
    parser.add_argument("--no-shapes", action="store_true", help="Only the shared files.")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files(None if args.no_shapes else Path(tmp)):
            if args.only and args.only not in path.name:
                continue
            floor = read = float("inf")
            for _ in range(args.runs):
                floor = min(floor, once(csv_floor, path))
                read = min(read, once(civic, path))
            rows.append((path.stem, len(pabulib.read(path).voters), floor, read))
            print(
                f"{path.stem[:60]:60s} csv {floor * 1000:7.1f} ms  civic {read * 1000:7.1f} ms  {read / floor:5.2f}x"
            )
    worst = max(rows, key=lambda r: r[3] / r[2])
    lines = [
        "# pabulib reader against the csv module",
        "",
        f"Best CPU time of {args.runs} interleaved runs; ratio = civic / csv (issue 9: within 1.5x).",
        "`python bench/reader.py`",
        "",
        "| file | voters | csv ms | civic ms | ratio |",
        "|---|---:|---:|---:|---:|",
        *(f"| {name} | {n} | {f * 1000:.1f} | {r * 1000:.1f} | {r / f:.2f} |" for name, n, f, r in rows),
        "",
        f"Worst: {worst[0]}, {worst[3] / worst[2]:.2f}x.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
