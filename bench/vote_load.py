"""Casting ballots through the real HTTP stack: 32 voters at once, against hello-world, then the database checked.

Starts gunicorn (2 workers, bench/pages_app.py: Civic plus a bare /bench-hello) on a fresh database with the
migrations applied — SQLite (WAL, synchronous FULL: civic/core/database.py) in a temporary instance folder, or
the PostgreSQL database named by ``--database`` (dropped and created again; its name must start with
``civic_bench``) — and `civic worker` beside it (the mixer seals the pooled ballots in batches, as in
production). Seeds, through the ORM (not measured), an edition whose town-wide knapsack vote is open and
thousands of distinct voters, each on the roll and linked to their account. Debian's `wrk` holds 32 connections
casting (POST /editions/<slug>/vote/cast with each voter's own cookie and CSRF token, one cast per voter).

Most voters (all but ``--paced-voters``, 1000 of 5000) cast at saturation (no pause), in ``--rounds`` rounds (4
of 1000: a round of a few hundred casts is so short that wrk's start and its threads' uneven ends weigh on the
rate). Each round logs its voters in through the real /login and drafts their ballot through the ballot's real
form post, each in their own session (not measured: a cast soon follows its draft, as a real voter's does, so no
session's last-seen time is due for a write); then measures hello-world (``--round-hello-seconds``, 3 s, the
same wrk settings on the same gunicorn), then has its voters post once each to a signed-in no-op (``/bench-
signed-in``, bench/pages_app.py: session, account, CSRF and rate limit, then a 303: the floor of any signed-in
form post on this stack), then their casts. A round's ratios are to its own hello-world, measured seconds
before: on a shared machine the speed drifts within minutes, and a ratio of figures taken far apart measured the
drift. The verdicts take the median of the rounds. Then the paced voters are prepared and cast with each
connection pausing ``--pause-ms`` (250) before each cast (a paced load: 32 connections at most 4 casts/s each,
tens of times a city's peak), its latency reported apart; hello-world is measured once more before the rounds
and after everything.

Reports requests/s, the ratio to hello-world (target ≥ 10 %), p50 / p95 / p99 ms (target p95 ≤ 100 ms) and
the errors (target 0), then checks the database: no double participation, online participations == online
ballots (pool + box), every tracker acknowledged to a client (read from the signed session cookie of each 303,
which the receipt page shows; a sample of receipt pages is fetched and checked too) in the pool or the box.

``--hosts 2`` is the deployment beyond one machine, on loopback: two gunicorn instances (each ``--workers``
workers, each its own instance folder; the secret key and the person key shared) on two ports, sharing
PostgreSQL and Redis (task queue: CIVIC_QUEUE_URL, rate limits: CIVIC_RATELIMIT_STORAGE_URI; redis-server is
started on a free port unless ``--redis`` names one); wrk's threads alternate between the hosts.

    .venv/bin/python bench/vote_load.py [--database postgresql://postgres@127.0.0.1:54329/civic_bench]
        [--hosts 2] [--voters 5000 --paced-voters 1000 --rounds 4 --clients 32 --workers 2 --pause-ms 250]
        [--no-worker --no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from _server import ROOT, free_port, rate, run_wrk, start_gunicorn, wait_until_idle, wrk_path
from _vote import (
    SLUG,
    Acks,
    Voter,
    cast_script,
    check_receipts,
    database_label,
    fresh_database,
    hello_script,
    host_env,
    instance_folder,
    load_average,
    prepare_voters,
    problems,
    read_acks,
    redis_server,
    secret_key,
    seed,
    start_worker,
    stop,
    tally,
    tally_line,
    write_section,
)

RESULTS = ROOT / "bench" / "results" / "vote_load.md"
CAST_PATH = f"/editions/{SLUG}/vote/cast"
TARGET_RATIO = 0.10
TARGET_P95_MS = 100.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", help="postgresql://…/civic_bench… (default: SQLite in a temporary folder)"
    )
    parser.add_argument(
        "--hosts", type=int, default=1, choices=(1, 2), help="gunicorn instances (2: PostgreSQL)"
    )
    parser.add_argument(
        "--redis", help="redis://host:port of a running Redis (default with --hosts 2: start one)"
    )
    parser.add_argument("--voters", type=int, default=5000)
    parser.add_argument(
        "--paced-voters",
        type=int,
        default=1000,
        help="of --voters, those of the paced run (the rest: the rounds)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="the voters not paced cast at saturation in this many rounds",
    )
    parser.add_argument("--round-hello-seconds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--threads", type=int, default=2, help="wrk threads (default 2; a multiple of --hosts)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host (default 2)")
    parser.add_argument(
        "--pause-ms",
        type=int,
        default=250,
        help="the paced run: each connection pauses this long before each cast (0: no paced run)",
    )
    parser.add_argument("--hello-seconds", type=int, default=5)
    parser.add_argument("--max-seconds", type=int, default=240, help="wrk's bound on the casting run")
    parser.add_argument(
        "--receipts", type=int, default=50, help="receipt pages fetched and checked afterwards"
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="no `civic worker`: every ballot stays pooled"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.hosts > 1 and not args.database:
        parser.error("--hosts 2 shares one database between the hosts: give --database postgresql://…")
    if args.threads % args.hosts:
        parser.error("--threads must be a multiple of --hosts")
    return args


@dataclass
class Round:
    """One round of the saturation run: its hello world, its voters' no-op posts, then their casts."""

    hello: dict[str, int]
    floor: dict[str, int]
    cast: dict[str, int]
    acks: Path


def merged(runs: list[dict[str, int]]) -> dict[str, int]:
    """The counts of several wrk runs added up (requests, durations, statuses); latencies are not merged."""
    keys = ("requests", "duration_us", "s303", "s409", "other", "errors")
    return {k: sum(r[k] for r in runs) for k in keys}


def round_row(name: str, r: Round) -> str:
    return (
        f"| {name} | {rate(r.hello):,.0f} | {rate(r.floor):,.0f} | {rate(r.floor) / rate(r.hello):.1%} | "
        f"{rate(r.cast):,.0f} | {rate(r.cast) / rate(r.hello):.1%} | {r.cast['p50'] / 1000:.1f} | "
        f"{r.cast['p95'] / 1000:.1f} | {r.cast['p99'] / 1000:.1f} | {r.cast['max'] / 1000:.1f} |"
    )


def row(name: str, raw: dict[str, int], hello: float) -> str:
    return (
        f"| {name} | {raw['requests']} | {rate(raw):,.0f} | {rate(raw) / hello:.1%} | {raw['p50'] / 1000:.1f} | "
        f"{raw['p95'] / 1000:.1f} | {raw['p99'] / 1000:.1f} | {raw['max'] / 1000:.1f} |"
    )


def main() -> None:
    args = arguments()
    wrk = wrk_path()
    ports = [free_port() for _ in range(args.hosts)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    with tempfile.TemporaryDirectory(prefix="civic-bench-vote-") as tmp_name:
        tmp = Path(tmp_name)
        key = secret_key()
        instances = [instance_folder(tmp, f"host-{n + 1}", key) for n in range(args.hosts)]
        with redis_server(args.redis, needed=args.hosts > 1) as redis:
            database_url = fresh_database(args.database, instances[0])
            envs = [host_env(inst, database_url, redis, bases[0], tmp / "vote-keys") for inst in instances]
            print(f"Preparing the database ({database_label(database_url)})…", file=sys.stderr, flush=True)
            seeded = seed(envs[0], args.voters)
            worker = None if args.no_worker else start_worker(envs[0], tmp / "worker.log")
            procs = []
            try:
                procs = [start_gunicorn(p, args.workers, env) for p, env in zip(ports, envs, strict=True)]
                prepared_in = 0.0
                # Most voters cast at saturation, in rounds, the others in the paced run (each voter
                # casts once). Each round logs its voters in and drafts their ballots (not measured: a minute
                # later their sessions' last-seen times would be written again, which a cast soon after its
                # draft does not do), then measures hello-world, the no-op floor and the casts of its voters:
                # its ratio compares figures taken seconds apart, whatever the machine does meanwhile.
                saturated = args.voters - args.paced_voters if args.pause_ms else args.voters
                per_round = saturated // args.rounds
                hello_lua, paced_lua, paced_dir = tmp / "hello.lua", tmp / "paced.lua", tmp / "paced-acks"
                hello_lua.write_text(hello_script(ports))
                paced_dir.mkdir()
                voters: list[Voter] = []
                settings = {"threads": args.threads, "clients": args.clients}

                def each_voter_posts(script: Path, folder: Path, path: str) -> dict[str, int]:
                    """Each voter of ``script`` posts once to ``path``; then the requests still queued are served."""
                    done = run_wrk(
                        wrk,
                        script,
                        bases[0] + "/",
                        duration=args.max_seconds,
                        extra=(str(args.threads), str(folder), path),
                        stop_when_done=True,
                        **settings,
                    )
                    for base in bases:
                        wait_until_idle(base + "/bench-hello")
                    return done

                load_before = load_average()
                hello_first = run_wrk(
                    wrk, hello_lua, bases[0] + "/bench-hello", duration=args.hello_seconds, **settings
                )
                rounds: list[Round] = []
                cast_seconds = 0.0
                for n in range(args.rounds):
                    lo, hi = n * per_round, saturated if n == args.rounds - 1 else (n + 1) * per_round
                    print(
                        f"Round {n + 1}: logging {hi - lo} voters in, drafting their ballots…",
                        file=sys.stderr,
                    )
                    started = time.perf_counter()
                    chunk = prepare_voters(bases, seeded, range(lo, hi))
                    prepared_in += time.perf_counter() - started
                    voters += chunk
                    cast_lua, acks_dir, floor_dir = (
                        tmp / f"cast-{n}.lua",
                        tmp / f"acks-{n}",
                        tmp / f"floor-{n}",
                    )
                    cast_lua.write_text(cast_script(ports, chunk))
                    acks_dir.mkdir()
                    floor_dir.mkdir()
                    hello_n = run_wrk(
                        wrk,
                        hello_lua,
                        bases[0] + "/bench-hello",
                        duration=args.round_hello_seconds,
                        **settings,
                    )
                    floor_n = each_voter_posts(cast_lua, floor_dir, "/bench-signed-in")
                    print(
                        f"wrk: round {n + 1}, {len(chunk)} casts at saturation", file=sys.stderr, flush=True
                    )
                    started = time.perf_counter()
                    cast_n = each_voter_posts(cast_lua, acks_dir, CAST_PATH)
                    cast_seconds += time.perf_counter() - started
                    rounds.append(Round(hello_n, floor_n, cast_n, acks_dir))
                paced = None
                if args.pause_ms:
                    print(
                        f"Logging {args.voters - saturated} voters in, drafting their ballots…",
                        file=sys.stderr,
                    )
                    started = time.perf_counter()
                    later = prepare_voters(bases, seeded, range(saturated, args.voters))
                    prepared_in += time.perf_counter() - started
                    voters += later
                    paced_lua.write_text(cast_script(ports, later, args.pause_ms))
                    print(f"wrk: {len(later)} casts, {args.pause_ms} ms pause", file=sys.stderr, flush=True)
                    paced = each_voter_posts(paced_lua, paced_dir, CAST_PATH)
                hello_last = run_wrk(
                    wrk, hello_lua, bases[0] + "/bench-hello", duration=args.hello_seconds, **settings
                )
                load_after = load_average()
                acks = Acks()
                for done_round in rounds:
                    acks = read_acks(done_round.acks, key, acks)
                acks = read_acks(paced_dir, key, acks)
                receipts_missing = check_receipts(bases[0], acks, args.receipts)
            finally:
                for proc in procs:
                    stop(proc)
                stop(worker)
            counted = tally(database_url, seeded.edition_id)
    cast = merged([r.cast for r in rounds])
    floor = merged([r.floor for r in rounds])
    ratio = median([rate(r.cast) / rate(r.hello) for r in rounds])
    floor_ratio = median([rate(r.floor) / rate(r.hello) for r in rounds])
    p95 = median([r.cast["p95"] / 1000 for r in rounds])
    runs = [*(r.cast for r in rounds), *([paced] if paced else [])]
    unexpected = sum(r["errors"] + r["other"] for r in runs)
    acknowledged = sum(r["s303"] for r in runs)
    found = problems(counted, acks, expected_participations=acknowledged)
    if receipts_missing:
        found.append(f"{receipts_missing} receipt page(s) without their tracker")
    if acknowledged != len(voters):
        found.append(f"{acknowledged} casts acknowledged of {len(voters)}")
    setup = (
        f"{database_label(database_url)}, {args.hosts} host(s) × {args.workers} gunicorn workers"
        + (", Redis (queue and rate limits)" if redis else "")
        + (", `civic worker` running the mixer" if worker else ", no worker")
    )
    hello = median([rate(r.hello) for r in rounds])
    lines = [
        f"Saturation, {len(rounds)} rounds; each: hello world ({args.round_hello_seconds} s), then its voters' "
        "signed-in no-op posts, then their casts. A round's ratios are to its own hello world.",
        "",
        "| round | hello req/s | no-op req/s | no-op vs hello | casts req/s | casts vs hello | cast p50 ms | "
        "p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(round_row(str(n + 1), r) for n, r in enumerate(rounds)),
        f"| **median** | {hello:,.0f} | {median([rate(r.floor) for r in rounds]):,.0f} | {floor_ratio:.1%} | "
        f"{median([rate(r.cast) for r in rounds]):,.0f} | **{ratio:.1%}** | "
        f"{median([r.cast['p50'] / 1000 for r in rounds]):.1f} | **{p95:.1f}** | "
        f"{median([r.cast['p99'] / 1000 for r in rounds]):.1f} | {max(r.cast['max'] for r in rounds) / 1000:.1f} |",
        "",
        "| requests | n | req/s | vs hello | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *([row(f"casts, {args.pause_ms} ms pause between casts", paced, hello)] if paced else []),
        row("hello world (before the rounds)", hello_first, hello),
        row("hello world (last)", hello_last, hello),
    ]
    verdicts = (
        f"ratio ≥ {TARGET_RATIO:.0%} (median of the rounds): {'met' if ratio >= TARGET_RATIO else 'NOT met'} "
        f"({ratio:.1%}); p95 ≤ {TARGET_P95_MS:.0f} ms (median of the rounds): "
        f"{'met' if p95 <= TARGET_P95_MS else 'NOT met'} ({p95:.1f} ms); errors 0: "
        f"{'met' if not unexpected else 'NOT met'} ({unexpected})"
    )
    summary = (
        f"\n{args.clients} connections ({args.threads} wrk threads), no pause: {saturated} voters cast in "
        f"{cast_seconds:.1f} s over the rounds ({cast['s303']} answered 303, {cast['other']} other statuses, "
        f"{cast['errors']} socket errors; {cast['s409']} replays of a cast already made, refused with 409, once "
        f"a wrk thread had no voter left). Targets — {verdicts}. The no-op post does, for the same voters, all "
        f"that a cast does around its own work and nothing else: a cast costs "
        f"{rate(floor) / max(rate(cast), 1e-9):.1f} × it."
        + (
            f" Paced ({args.pause_ms} ms pause per connection, {len(voters) - saturated} other voters): "
            f"{paced['s303']} answered 303, {paced['other'] + paced['errors']} errors, p95 "
            f"{paced['p95'] / 1000:.1f} ms: p95 ≤ {TARGET_P95_MS:.0f} ms "
            f"{'met' if paced['p95'] / 1000 <= TARGET_P95_MS else 'NOT met'} at this load."
            if paced
            else ""
        )
        + "\n\n"
        f"Database afterwards: {tally_line(counted, acks)}; {args.receipts} receipt pages "
        f"fetched, {receipts_missing} without their tracker. "
        + ("Checks: all hold.\n" if not found else "PROBLEMS: " + "; ".join(found) + ".\n")
    )
    report = "\n".join(lines) + "\n" + summary
    print(f"{setup}\n\n{report}")
    if not args.no_write:
        intro = (
            "`bench/vote_load.py`: see its docstring for what is measured and checked. The machine has 2 cores "
            "shared with other work: figures are noisy (load average is given per run)."
        )
        body = (
            f"{setup}; {args.voters} voters, each logged in and their ballot drafted just before their round "
            f"or the paced run ({prepared_in:.0f} s in all, not measured); wrk {args.clients} connections, "
            f"{args.threads} threads; "
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Load average (1, 5, 15 min): "
            f"{load_before} before, {load_after} after.\n\n"
            f"    .venv/bin/python {' '.join(['bench/vote_load.py', *sys.argv[1:]])}\n\n" + report
        )
        heading = f"{database_label(database_url).split(' ')[0]}, {args.hosts} host(s)"
        write_section(RESULTS, "Casting ballots under load", intro, heading, body)
    if found or unexpected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
