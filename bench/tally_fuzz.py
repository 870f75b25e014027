"""Compare every Civic rule with pabutools 1.2.3 on thousands of random small elections of every shape.

    python bench/tally_fuzz.py [--cases 3000] [--seed 0] [--shapes k-approval,zero-cost] [--rules mes-add1]

Elections come from tests/tally/shapes.py (cycling through the shapes, seeds seed, seed+1, ...), are
written as .pb files and read by both sides (tests/tally/fuzz.py). Prints, per rule and per shape, the
cases, crashes and differences, keeps the .pb of every finding in --keep (default a temporary
directory) and writes bench/results/tally_fuzz.md. Exits 1 on any crash or difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tally import fuzz, shapes  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "tally_fuzz.md"


def table(title: str, keys: list[str], counts: dict[str, Counter[str]]) -> list[str]:
    """Return a markdown table of cases, crashes and differences per key."""
    lines = [f"| {title} | cases | crashes | differences |", "|---|---|---|---|"]
    for k in keys:
        c = counts[k]
        lines.append(f"| {k} | {c['cases']} | {c['crash']} | {c['difference']} |")
    return lines


def main() -> int:
    """Run the comparison and write the report; return the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=3000, help="number of elections (default 3000)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--shapes", default="", help="comma-separated shapes (default: all)")
    ap.add_argument("--rules", default="", help="comma-separated rules (default: all)")
    ap.add_argument("--keep", default="", help="directory where the .pb of every finding is kept")
    args = ap.parse_args()
    names = args.shapes.split(",") if args.shapes else list(shapes.SHAPES)
    unknown = set(names) - set(shapes.SHAPES)
    if unknown:
        ap.error(f"unknown shapes {sorted(unknown)}; known: {', '.join(shapes.SHAPES)}")
    rules = tuple(args.rules.split(",")) if args.rules else None
    keep = Path(args.keep or tempfile.mkdtemp(prefix="tally_fuzz-"))
    work = Path(tempfile.mkdtemp(prefix="tally_fuzz-work-"))
    per_rule: dict[str, Counter[str]] = {}
    per_shape: dict[str, Counter[str]] = {s: Counter() for s in names}
    findings: list[fuzz.Finding] = []
    start = time.perf_counter()
    for i in range(args.cases):
        e = shapes.make(names[i % len(names)], args.seed + i // len(names), "small")
        _compared, found = fuzz.compare(e, work, rules)
        per_shape[e.shape]["cases"] += 1
        for rule in fuzz.rules_for(e.kind):
            if rules is None or rule in rules:
                per_rule.setdefault(rule, Counter())["cases"] += 1
        for f in found:
            per_rule.setdefault(f.rule, Counter())[f.what] += 1
            per_shape[e.shape][f.what] += 1
            if not (keep / f"{e.name}.pb").exists():
                shapes.write(e, keep)
        findings += found
        (work / f"{e.name}.pb").unlink()
        if (i + 1) % 500 == 0:
            print(
                f"{i + 1} elections, {len(findings)} findings, {time.perf_counter() - start:.0f} s",
                flush=True,
            )
    elapsed = time.perf_counter() - start
    lines = [
        "# Civic vs pabutools 1.2.3 on random elections",
        "",
        f"`python bench/tally_fuzz.py --cases {args.cases} --seed {args.seed}`"
        + (f" `--shapes {args.shapes}`" if args.shapes else "")
        + (f" `--rules {args.rules}`" if args.rules else "")
        + f": {args.cases} elections, {elapsed:.0f} s. A case is one election counted by one rule.",
        "",
        *table("rule", list(per_rule), per_rule),
        "",
        *table("shape (elections)", names, per_shape),
        "",
    ]
    if findings:
        lines += [f"## Findings ({len(findings)}; .pb files in {keep})", ""]
        lines += [f"- {f.name} {f.rule} {f.what}: {f.detail.strip().splitlines()[-1]}" for f in findings[:50]]
        lines.append("")
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
