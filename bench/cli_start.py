"""Time `civic tally tiny.pb` against a bare `python -c pass` of the same virtualenv (issue 9: ratio ≤ 4).

    python bench/cli_start.py [--runs 30]

Each command runs as a fresh process, interleaved with the others, and the best wall and CPU times of
each are kept (the least disturbed by other work on the machine); bytecode is cached, as in any
installation.
Prints the table and writes bench/results/cli_start.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "cli_start.md"
TINY = """META
key;value
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost
p1;60
p2;50
p3;40
VOTES
voter_id;vote
1;p1,p2
2;p2,p3
3;p2
"""


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Return the wall time and the CPU time (user + system) of one run of the command (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def measure(runs: int, include_flask: bool = True) -> dict[str, tuple[float, float]]:
    """Return the best wall and CPU times of each command over `runs` interleaved runs."""
    python = Path(sys.executable)
    civic = python.parent / "civic"
    with tempfile.TemporaryDirectory() as tmp:
        tiny = Path(tmp) / "tiny.pb"
        tiny.write_text(TINY, encoding="utf-8")
        commands = {
            "python -c pass": [str(python), "-c", "pass"],
            "civic tally tiny.pb --rule greedy": [str(civic), "tally", str(tiny), "--rule", "greedy"],
            "flask --app civic civic tally tiny.pb --rule greedy": [
                str(python.parent / "flask"),
                "--app",
                "civic",
                "civic",
                "tally",
                str(tiny),
                "--rule",
                "greedy",
            ],
        }
        if not include_flask:
            commands = {k: v for k, v in commands.items() if not k.startswith("flask")}
        # The Flask form builds the app: a development instance in the temporary folder. Bytecode is
        # cached as in any installation (a PYTHONDONTWRITEBYTECODE shell would time the compiler).
        env = {**os.environ, "CIVIC_ENV": "development", "CIVIC_INSTANCE_PATH": str(Path(tmp) / "instance")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        best = dict.fromkeys(commands, (float("inf"), float("inf")))
        for command in commands.values():
            run(command, env)  # warm the file cache and write the bytecode
        for i in range(runs):
            for name, command in commands.items():
                # The Flask form takes seconds: a few runs tell the difference.
                if name.startswith("flask") and i >= 3:
                    continue
                wall, cpu = run(command, env)
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def main() -> None:
    """Measure, print and record the start-up ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    best = measure(args.runs)
    bare_wall, bare_cpu = best["python -c pass"]
    lines = [
        "# `civic tally` start-up",
        "",
        f"Best of {args.runs} interleaved runs (3 for Flask); ratio = time / `python -c pass` (goal ≤ 4).",
        "CPU time (user + system of the process) is the steadier figure on a shared machine.",
        "",
        "| command | wall ms | wall ratio | CPU ms | CPU ratio |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| `{name}` | {w * 1000:.1f} | {w / bare_wall:.2f} | {c * 1000:.1f} | {c / bare_cpu:.2f} |"
            for name, (w, c) in best.items()
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
