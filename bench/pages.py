"""Requests per second and latency of Civic's public pages under load, against a hello-world endpoint.

Starts gunicorn (2 workers) on a loopback port over a fresh SQLite demo database (migrations and
`civic seed-demo` in a temporary instance folder), then runs Debian's `wrk` (32 connections, 2 threads,
10 s per page) on a hello-world Flask endpoint served by the same gunicorn (bench/pages_app.py) and on each
public page. Prints a markdown table and writes it to bench/results/pages.md.

Targets (issue 8): every public page reaches at least 10 % of hello-world's requests per second measured in
the same run, and p95 ≤ 100 ms at 32 connections. On a shared machine absolute figures are noisy: compare the
ratios of one run. hello-world is measured first and last; ratios use the faster of the two.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 32] [--port 8765]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _server import BIN, ROOT, free_port, start_gunicorn

RESULTS = ROOT / "bench" / "results" / "pages.md"
TARGET_RATIO = 0.10
TARGET_P95_MS = 100.0

# wrk's --latency prints 50/75/90/99 only: this `done` hook prints what the table needs, p95 included.
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50=%d p95=%d p99=%d non2xx=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Result:
    name: str
    path: str
    rps: float
    p50: float
    p95: float
    p99: float
    bad: int


def prepare_database(env: dict[str, str]) -> None:
    """Apply the migrations and load the demo town into the temporary instance folder."""
    flask = [str(BIN / "flask"), "--app", "civic"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "civic", "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)


def pages(db_path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """Return (name, path, headers) of every page measured, found in the demo database."""
    con = sqlite3.connect(db_path)
    try:
        current = con.execute(
            "SELECT id, slug FROM edition WHERE published = 1 AND slug = 'budget-participatif-2026'"
        ).fetchone()
        proposal = con.execute(
            "SELECT id FROM proposal WHERE edition_id = ? AND status != 'draft' AND hidden_at IS NULL "
            "ORDER BY id LIMIT 1",
            (current[0],),
        ).fetchone()
        # An imported real election with a published count: the biggest one (Toulouse 2019).
        results = con.execute(
            "SELECT e.slug FROM tally_run r JOIN vote_pool p ON p.id = r.pool_id JOIN edition e ON e.id = p.edition_id "
            "WHERE r.published_at IS NOT NULL ORDER BY (SELECT count(*) FROM ballot b WHERE b.pool_id = p.id) DESC "
            "LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    slug = current[1]
    return [
        ("home", "/", {}),
        ("editions list", "/editions", {}),
        ("edition page", f"/editions/{slug}", {}),
        ("proposal list", f"/editions/{slug}/proposals", {}),
        ("proposal page", f"/proposals/{proposal[0]}", {}),
        ("results page", f"/editions/{results[0]}/results", {}),
        ("proposal list (htmx fragment)", f"/editions/{slug}/proposals", {"HX-Request": "true"}),
    ]


def check_page(base: str, path: str, headers: dict[str, str]) -> None:
    request = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")


def run_wrk(
    wrk: str, lua: Path, url: str, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, int]:
    cmd = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "-s", str(lua)]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH (.*)$", out, re.MULTILINE)
    if match is None:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    return {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}


def measure(name: str, path: str, headers: dict[str, str], base: str, wrk: str, lua: Path, args) -> Result:
    raw = run_wrk(wrk, lua, base + path, headers, args)
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    result = Result(
        name,
        path,
        rps,
        raw["p50"] / 1000,
        raw["p95"] / 1000,
        raw["p99"] / 1000,
        raw["non2xx"] + raw["errors"],
    )
    print(f"  {name:<32} {rps:8.0f} req/s  p95 {result.p95:6.1f} ms", file=sys.stderr, flush=True)
    return result


def table(results: list[Result], hello: float) -> str:
    lines = [
        "| page | path | req/s | vs hello | p50 ms | p95 ms | p99 ms | errors | targets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = r.rps / hello
        if r.name.startswith("hello"):
            verdict = ""
        else:
            verdict = "met" if ratio >= TARGET_RATIO and r.p95 <= TARGET_P95_MS and not r.bad else "MISSED"
        lines.append(
            f"| {r.name} | `{r.path}` | {r.rps:,.0f} | {ratio:.1%} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} "
            f"| {r.bad} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (default 10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/pages.md")
    args = parser.parse_args()
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(wrk).exists():
        raise SystemExit("wrk not found: apt-get install wrk")
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="civic-bench-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        db_path = instance / "civic.sqlite"
        env = {
            **os.environ,
            "CIVIC_INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{db_path}",
            "CIVIC_COOKIE_SECURE": "0",
            "CIVIC_ENV": "development",
            "CIVIC_BASE_URL": base,
            "CIVIC_TOWN_NAME": "Saint-Aubin-des-Communs",
        }
        print("Preparing the demo database…", file=sys.stderr, flush=True)
        prepare_database(env)
        lua = Path(tmp) / "report.lua"
        lua.write_text(LUA)
        load_before = os.getloadavg()[0]
        proc = start_gunicorn(port, args.workers, env)
        try:
            targets = pages(db_path)
            for _name, path, headers in targets:
                check_page(base, path, headers)
            print(f"wrk: {args.connections} connections, {args.duration} s each", file=sys.stderr)
            results = [measure("hello world (first)", "/bench-hello", {}, base, wrk, lua, args)]
            results += [measure(name, path, headers, base, wrk, lua, args) for name, path, headers in targets]
            results.append(measure("hello world (last)", "/bench-hello", {}, base, wrk, lua, args))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    load_after = os.getloadavg()[0]
    hello = max(r.rps for r in results if r.name.startswith("hello"))
    report = table(results, hello)
    print(report)
    print(f"load average: {load_before:.1f} before, {load_after:.1f} after", file=sys.stderr)
    if not args.no_write:
        header = (
            f"# Public pages under load\n\n`bench/pages.py`: gunicorn {args.workers} workers, wrk {args.connections} "
            f"connections, {args.threads} threads, {args.duration} s per page, SQLite demo database, "
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores "
            f'({time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}). "vs hello" is the page\'s requests per '
            f"second over the faster of the two hello-world runs. Targets: ≥ {TARGET_RATIO:.0%} of hello, "
            f"p95 ≤ {TARGET_P95_MS:.0f} ms. Load average of the machine (other work on the same cores makes "
            f"heavier pages lose more than hello-world): {load_before:.1f} before, {load_after:.1f} after.\n\n"
        )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(header + report + "\n")


if __name__ == "__main__":
    main()
