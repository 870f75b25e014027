"""`kill -9` of the server in the middle of the casting load, a restart on the same database, then the checks.

The load of bench/vote_load.py (smaller by default: 1 000 voters), on SQLite (WAL, synchronous FULL) or on
PostgreSQL (``--database``), with `civic worker` running the mixer beside the server. Once about a third of
the voters have been told their tracker, the gunicorn master and every worker get SIGKILL at once, and wrk is
stopped half a second later (its casts in flight got no answer: the voter was shown nothing; left running,
its connections would spend the voters left on a server that is down). gunicorn is started again on the same
database. Then:

- every voter who was shown no tracker posts their cast once more, as a person would press the button again:
  each must get either their tracker (303: nothing of theirs had been written) or "already taken part" (409:
  their cast had committed when the server died, its answer lost);
- every tracker shown to a client (the signed session cookie of each 303, which the receipt page shows) is
  in the pool or the box;
- online participations == online ballots (pool + box), none twice, every boxed ballot with its choices:
  no participation was written without its ballot nor a ballot without its participation;
- participations == trackers shown + casts found already made on the retry.

    .venv/bin/python bench/vote_crash.py [--database postgresql://postgres@127.0.0.1:54329/civic_bench]
        [--voters 1000 --kill-at 0.33 --no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _server import ROOT, free_port, rate, requests_module, run_wrk, start_gunicorn, wrk_path
from _vote import (
    SLUG,
    Acks,
    Voter,
    add_ack,
    cast_script,
    database_label,
    fresh_database,
    host_env,
    instance_folder,
    load_average,
    prepare_voters,
    problems,
    read_acks,
    secret_key,
    seed,
    session_id,
    session_reader,
    start_worker,
    stop,
    tally,
    tally_line,
    write_section,
)

RESULTS = ROOT / "bench" / "results" / "vote_crash.md"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", help="postgresql://…/civic_bench… (default: SQLite in a temporary folder)"
    )
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--kill-at", type=float, default=0.33, help="share of voters told their tracker, then kill"
    )
    parser.add_argument("--max-seconds", type=int, default=180)
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args()


def acknowledged(folder: Path) -> int:
    return sum(path.read_text().count("\n") for path in folder.glob("acks-*.txt"))


def gunicorn_pids(master: int) -> list[int]:
    """The master and its workers (its children), as `kill -9` of a whole gunicorn would reach them."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        children = []
    return [master, *map(int, children)]


class Crash:
    """Kill gunicorn (master and workers) with SIGKILL once enough casts are acknowledged, then stop wrk.

    wrk is stopped at once: its connections would otherwise spend the voters left on a server that is down
    (a failed request is not sent again). Its casts in flight at the kill are the ones that matter.
    """

    def __init__(self, proc: Any, acks: Path, after: int) -> None:
        self.proc, self.acks, self.after = proc, acks, after
        self.started = time.perf_counter()
        self.killed_at = 0.0
        self.acked_before = 0
        self.killed: list[int] = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.wrk: Any = None

    def __call__(self, wrk: Any) -> None:
        self.wrk = wrk
        self.started = time.perf_counter()
        self.thread.start()

    def run(self) -> None:
        while acknowledged(self.acks) < self.after and self.wrk.poll() is None:
            time.sleep(0.01)
        if self.wrk.poll() is not None:
            return
        self.killed = gunicorn_pids(self.proc.pid)
        for pid in self.killed:
            os.kill(pid, signal.SIGKILL)
        self.killed_at = time.perf_counter() - self.started
        self.acked_before = acknowledged(self.acks)
        time.sleep(0.5)  # the answers already on their way are read
        self.wrk.send_signal(signal.SIGINT)
        self.proc.wait()
        print(
            f"killed {self.killed} after {self.acked_before} acknowledged casts", file=sys.stderr, flush=True
        )


def retry(base: str, voters: list[Voter], acks: Acks, key: str) -> tuple[int, int, int]:
    """Cast once more for every voter shown no tracker; return (now cast, already made, anything else)."""
    reader = session_reader(key)
    left = [v for v in voters if session_id(reader, v) not in acks.trackers]
    requests = requests_module()

    def one(voter: Voter) -> int:
        answer = requests.post(
            f"{base}/editions/{SLUG}/vote/cast",
            data=voter.body,
            headers={"Cookie": voter.cookie, "Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code == 303:
            add_ack(acks, reader, answer.headers.get("Set-Cookie", "-"))
        return int(answer.status_code)

    with ThreadPoolExecutor(4) as pool:
        statuses = Counter(pool.map(one, left))
    return statuses[303], statuses[409], statuses.total() - statuses[303] - statuses[409]


def main() -> None:
    args = arguments()
    wrk = wrk_path()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="civic-bench-crash-") as tmp_name:
        tmp = Path(tmp_name)
        key = secret_key()
        instance = instance_folder(tmp, "host-1", key)
        database_url = fresh_database(args.database, instance)
        env = host_env(instance, database_url, None, base, tmp / "vote-keys")
        print(f"Preparing the database ({database_label(database_url)})…", file=sys.stderr, flush=True)
        seeded = seed(env, args.voters)
        worker = start_worker(env, tmp / "worker.log")
        proc = None
        try:
            proc = start_gunicorn(port, args.workers, env)
            print(f"Logging {args.voters} voters in and drafting their ballots…", file=sys.stderr, flush=True)
            voters = prepare_voters([base], seeded)
            cast_lua, acks_dir = tmp / "cast.lua", tmp / "acks"
            cast_lua.write_text(cast_script([port], voters))
            acks_dir.mkdir()
            crash = Crash(proc, acks_dir, int(args.voters * args.kill_at))
            load_before = load_average()
            print(f"wrk: {len(voters)} casts, kill -9 of gunicorn on the way", file=sys.stderr, flush=True)
            cast = run_wrk(
                wrk,
                cast_lua,
                base + "/",
                threads=args.threads,
                clients=args.clients,
                duration=args.max_seconds,
                extra=(str(args.threads), str(acks_dir), f"/editions/{SLUG}/vote/cast"),
                stop_when_done=True,
                on_start=crash,
            )
            crash.thread.join(timeout=120)
            started = time.perf_counter()
            proc = start_gunicorn(port, args.workers, env)
            back_in = time.perf_counter() - started
            load_after = load_average()
            acks = read_acks(acks_dir, key)
            shown_by_wrk = len(acks.trackers)
            cast_now, already, other = retry(base, voters, acks, key)
        finally:
            stop(proc)
            stop(worker)
        counted = tally(database_url, seeded.edition_id)
    found = problems(counted, acks, expected_participations=len(acks.trackers) + already)
    if other:
        found.append(f"{other} retried cast(s) answered neither 303 nor 409")
    if not crash.killed:
        found.append("the server was never killed")
    if len(acks.trackers) + already != len(voters):
        found.append(f"{len(acks.trackers)} voters hold a tracker and {already} had voted, of {len(voters)}")
    report = (
        f"{database_label(database_url)}, gunicorn {args.workers} workers, `civic worker` running the mixer; "
        f"{len(voters)} voters; wrk {args.clients} connections, {args.threads} threads.\n\n"
        f"- kill -9 of gunicorn (master and workers, pids {', '.join(map(str, crash.killed))}) "
        f"{crash.killed_at:.1f} s into the load, after {crash.acked_before} trackers shown; wrk stopped 0.5 s "
        f"later (its casts in flight got no answer); gunicorn started again on the same database, answering "
        f"{back_in:.1f} s later.\n"
        f"- wrk: {cast['s303']} casts answered 303 (tracker shown), {cast['other']} other statuses, "
        f"{cast['errors']} socket errors (the casts in flight at the kill, then wrk reconnecting until it stopped), "
        f"{cast['s409']} replays refused with 409; {rate(cast):.0f} req/s over the run, p50 "
        f"{cast['p50'] / 1000:.1f} ms, p99 {cast['p99'] / 1000:.1f} ms.\n"
        f"- {len(voters) - shown_by_wrk} voters were shown no tracker; each casts once more, on the restarted "
        f"server: {cast_now} now cast "
        f"(303: nothing of theirs had been written), {already} told they had already taken part (409: their "
        f"cast had committed, its answer lost with the server), {other} anything else.\n"
        f"- Database afterwards: {tally_line(counted, acks)}.\n\n"
        + ("Checks: all hold.\n" if not found else "PROBLEMS: " + "; ".join(found) + ".\n")
    )
    print(report)
    if not args.no_write:
        intro = (
            "`bench/vote_crash.py`: see its docstring for what is done and checked. The machine has 2 cores "
            "shared with other work."
        )
        body = (
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); load average (1, 5, 15 min) {load_before} "
            f"before, {load_after} after.\n\n"
            f"    .venv/bin/python {' '.join(['bench/vote_crash.py', *sys.argv[1:]])}\n\n" + report
        )
        write_section(
            RESULTS, "Casting through a crash", intro, database_label(database_url).split(" ")[0], body
        )
    if found:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
