"""Supports through the real HTTP stack: latency of supporting with 32 concurrent clients, against hello-world.

Starts gunicorn (2 workers, bench/pages_app.py: Civic plus a bare /bench-hello) on a fresh SQLite database
with the migrations applied, in a temporary instance folder. Seeds an edition in its pre-selection phase
(cap 5 supports per person), 2 × 480 residents and 40 proposals, and logs every resident in through /login
(not measured). Then Debian's `wrk` holds 32 connections posting the residents' supports with their own
session cookie and CSRF token, as htmx does: 8 per person (5 accepted, 2 over the cap, 1 duplicate), in a
shuffled order. Two runs, each on its own 480 residents:

- no pause (saturation): every connection posts again as soon as it is answered, so latency is
  32 ÷ throughput, whatever a real town does: this is the capacity of the machine;
- 250 ms pause between posts on each connection: 32 people each clicking four times a second (128 posts/s
  offered, faster than any real crowd), the latency a resident sees under a heavy but sustainable load.

hello-world is measured by the same wrk settings on the same gunicorn just before and just after. wrk (C)
rather than Python threads as the clients: on a 2-core machine, 32 threads of `requests` took a large share
of the cores the server is measured on.

Reports requests/s and p50 / p95 / p99 / max ms, and checks the answers (every one a 200 or a 409) and the
database afterwards: exactly 5 supports per person, nobody over the cap, no duplicate support.

The instance's config.py lifts the login and support limits (all clients share 127.0.0.1) and lowers the
password hashing cost (logins are not what is measured). Goal: p95 ≤ 100 ms.

    .venv/bin/python bench/supports.py [--clients 32 --pause-ms 250 --residents 480 --workers 2 --no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from _server import (
    BIN,
    ROOT,
    cookie_header,
    csrf_of,
    free_port,
    log_in,
    lua_table,
    start_gunicorn,
    wrk_path,
)
from _server import run_wrk as _run_wrk

RESULTS = ROOT / "bench" / "results" / "supports.md"
CAP = 5
PASSWORD = "bench-password-not-secret"
TARGET_P95_MS = 100.0
MAX_SECONDS = 600  # wrk's -d for the supports, an upper bound: wrk is stopped once every post is answered
# wrk's --latency prints 50/75/90/99 only: the `done` hooks print p95 and the answers' statuses.
REPORT_LUA = """
threads = {}
setup = function(thread) table.insert(threads, thread); thread:set("id", #threads) end
local function total(name)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get(name) or 0) end
  return n
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50=%d p95=%d p99=%d max=%d s200=%d s409=%d other=%d extra=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, total("s200"), total("s409"), total("other"), total("extra"),
    e.connect + e.read + e.write + e.timeout))
end
"""
HELLO_LUA = REPORT_LUA
# Each wrk thread posts every n-th support of the list R (written before this code) and says DONE when all
# are answered; bench/supports.py then stops wrk (SIGINT: wrk prints its report). Until then, a connection
# asking for more posts the thread's last support again (a refused duplicate, counted apart as "extra").
SUPPORTS_LUA = (
    REPORT_LUA
    + """
init = function(args)
  local n = tonumber(args[1])
  pause = tonumber(args[2])
  mine = {}
  for i = id, #R, n do table.insert(mine, R[i]) end
  sent, received, s200, s409, other, extra = 0, 0, 0, 0, 0, 0
end
request = function()
  sent = sent + 1
  local r = mine[sent] or mine[#mine]
  return wrk.format("POST", r[3], {["Cookie"] = r[1], ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded"}, r[2])
end
delay = function() return pause end
response = function(status, headers, body)
  received = received + 1
  if received > #mine then extra = extra + 1
  elseif status == 200 then s200 = s200 + 1
  elseif status == 409 then s409 = s409 + 1
  else other = other + 1 end
  if received == #mine then io.write("DONE\\n"); io.flush() end
end
"""
)
INSTANCE_CONFIG = """
LOGIN_ADDRESS_RATE_LIMIT = "100000 per minute"
LOGIN_ACCOUNT_RATE_LIMIT = "100000 per minute"
SUPPORT_RATE_LIMIT = "100000 per minute"
ARGON2_TIME_COST = 1
ARGON2_MEMORY_COST = 1024
"""


def seed(env: dict[str, str], residents: int, n_proposals: int) -> tuple[list[str], list[int]]:
    """Apply the migrations and insert the edition, its rule, residents and proposals."""
    flask = [str(BIN / "flask"), "--app", "civic"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    os.environ.update(env)
    from datetime import timedelta

    from sqlalchemy import insert

    from civic import create_app
    from civic.accounts.models import RoleGrant, User
    from civic.accounts.passwords import hash_password
    from civic.accounts.roles import Role
    from civic.core.time import utcnow
    from civic.extensions import db
    from civic.preselection.models import SupportRule
    from civic.processes.models import District, Edition, EditionDistrict, Phase
    from civic.processes.phases import PHASE_ORDER, PhaseKind
    from civic.proposals.models import Proposal, ProposalStatus, StatusChange

    app = create_app()
    with app.app_context():
        now = utcnow()
        districts = [District(name=f"Quartier {i}", slug=f"quartier-{i}", population=5000) for i in range(4)]
        edition = Edition(
            slug="bench-supports", name="Bench supports", year=2026, envelope_cents=10**9, published=True
        )
        for district in districts:
            edition.districts.append(EditionDistrict(district=district))
        index = PHASE_ORDER.index(PhaseKind.PRESELECTION)
        for i, kind in enumerate(PHASE_ORDER):
            start = now - timedelta(days=1) + timedelta(days=30 * (i - index))
            edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=start + timedelta(days=30)))
        db.session.add(edition)
        db.session.flush()
        db.session.add(SupportRule(edition_id=edition.id, per_person_cap=CAP, eligible_only=False))
        hashed = hash_password(PASSWORD)
        emails = [f"resident{i}@bench.example.org" for i in range(residents)]
        db.session.execute(
            insert(User),
            [
                {
                    "email": e,
                    "display_name": f"R{i}",
                    "password_hash": hashed,
                    "email_confirmed_at": now,
                    "locale": "fr",
                }
                for i, e in enumerate(emails)
            ],
        )
        ids = [u.id for u in db.session.query(User.id).order_by(User.id)]
        db.session.execute(insert(RoleGrant), [{"user_id": uid, "role": Role.RESIDENT} for uid in ids])
        proposals = []
        for i in range(n_proposals):
            proposal = Proposal(
                edition_id=edition.id,
                reference=f"BENCH-{i:05d}",
                author_id=ids[i % len(ids)],
                status=ProposalStatus.SUBMITTED,
                title=f"Projet {i}",
                summary="Un projet du banc d'essai.",
                district_id=districts[i % len(districts)].id,
                submitted_at=now,
            )
            proposal.status_changes.append(StatusChange(status=ProposalStatus.SUBMITTED))
            db.session.add(proposal)
            proposals.append(proposal)
        db.session.commit()
        proposal_ids = [p.id for p in proposals]
        db.engine.dispose()
    return emails, proposal_ids


def log_in_all(base: str, emails: list[str], threads: int = 4) -> list[tuple[str, str]]:
    """Log every resident in through /login; return each one's (Cookie header, CSRF token)."""

    def one(email: str) -> tuple[str, str]:
        person = log_in(base, email, PASSWORD)
        token = csrf_of(person, base + "/")
        return cookie_header(person), token

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, emails))


def support_requests(
    people: list[tuple[str, str]], proposals: list[int], seed_: int = 2026
) -> list[tuple[str, str, str]]:
    """Return (cookie, form body, path) of every support post: per person CAP + 2 proposals and a duplicate.

    The posts are shuffled, so one person's posts may be in flight together (the cap is raced for).
    """
    rng = random.Random(seed_)
    posts = []
    for cookie, token in people:
        targets = rng.sample(proposals, CAP + 2)
        targets.insert(2, targets[0])  # a duplicate, refused with a 409
        body = "csrf_token=" + quote(token, safe="")
        posts += [(cookie, body, f"/proposals/{pid}/support") for pid in targets]
    rng.shuffle(posts)
    return posts


def supports_script(posts: list[tuple[str, str, str]]) -> str:
    return lua_table(posts) + SUPPORTS_LUA


def run_wrk(
    wrk: str,
    script: Path,
    url: str,
    args: argparse.Namespace,
    duration: int,
    *extra: str,
) -> dict[str, int]:
    """Run wrk; with ``extra`` (the supports), stop it once each of its threads has printed DONE."""
    return _run_wrk(
        wrk,
        script,
        url,
        threads=args.threads,
        clients=args.clients,
        duration=duration,
        extra=extra,
        stop_when_done=bool(extra),
    )


def check_database(db_path: Path, *, expected: int) -> tuple[int, int]:
    """Return (people over the cap, duplicate supports); stop if the supports stored are not the expected number."""
    con = sqlite3.connect(db_path)
    try:
        stored = con.execute("SELECT count(*) FROM support").fetchone()[0]
        if stored != expected:
            raise SystemExit(f"{stored} supports stored, {expected} expected")
        over = con.execute(
            "SELECT count(*) FROM (SELECT supporter_key FROM support GROUP BY edition_id, supporter_key "
            "HAVING count(*) > ?)",
            (CAP,),
        ).fetchone()[0]
        duplicates = con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM support GROUP BY proposal_id, supporter_key HAVING count(*) > 1)"
        ).fetchone()[0]
    finally:
        con.close()
    return int(over), int(duplicates)


def label(pause: int) -> str:
    return f"{pause} ms pause between posts" if pause else "no pause (saturation)"


def row(name: str, raw: dict[str, int]) -> str:
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    return (
        f"| {name} | {raw['requests']} | {rps:,.0f} | {raw['p50'] / 1000:.1f} | {raw['p95'] / 1000:.1f} | "
        f"{raw['p99'] / 1000:.1f} | {raw['max'] / 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--pause-ms",
        type=int,
        default=250,
        help="then the same with each connection pausing this long between posts, on other residents (0: no)",
    )
    parser.add_argument("--residents", type=int, default=480, help="per run (default 480)")
    parser.add_argument("--proposals", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hello-seconds", type=int, default=5)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    wrk = wrk_path()
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="civic-bench-supports-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        (instance / "config.py").write_text(INSTANCE_CONFIG)
        db_path = instance / "civic.sqlite"
        env = {
            "CIVIC_INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{db_path}",
            "CIVIC_COOKIE_SECURE": "0",
            "CIVIC_ENV": "development",
            "CIVIC_BASE_URL": base,
        }
        print("Preparing the database…", file=sys.stderr, flush=True)
        runs = [0, args.pause_ms] if args.pause_ms else [0]
        emails, proposals = seed({**os.environ, **env}, args.residents * len(runs), args.proposals)
        proc = start_gunicorn(port, args.workers, {**os.environ, **env})
        try:
            print(f"Logging {len(emails)} residents in…", file=sys.stderr, flush=True)
            people = log_in_all(base, emails)
            hello_lua = Path(tmp) / "hello.lua"
            hello_lua.write_text(HELLO_LUA)
            load_before = os.getloadavg()
            hello_first = run_wrk(wrk, hello_lua, base + "/bench-hello", args, args.hello_seconds)
            measured = []
            for i, pause in enumerate(runs):
                posts = support_requests(people[i * args.residents : (i + 1) * args.residents], proposals)
                script = Path(tmp) / f"supports-{i}.lua"
                script.write_text(supports_script(posts))
                print(
                    f"wrk: {len(posts)} support posts, {label(pause)}",
                    file=sys.stderr,
                    flush=True,
                )
                started = time.perf_counter()
                raw = run_wrk(wrk, script, base + "/", args, MAX_SECONDS, str(args.threads), str(pause))
                measured.append((pause, raw, time.perf_counter() - started, len(posts)))
            hello_last = run_wrk(wrk, hello_lua, base + "/bench-hello", args, args.hello_seconds)
            load_after = os.getloadavg()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        over, duplicates = check_database(db_path, expected=len(emails) * CAP)
    hello = min((hello_first, hello_last), key=lambda r: r["p50"])
    lines = [
        "| requests | n | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(row(f"support posts (htmx), {label(pause)}", raw) for pause, raw, _s, _n in measured),
        row("hello world (first), no pause", hello_first),
        row("hello world (last), no pause", hello_last),
    ]
    summary = ""
    unexpected = 0
    for pause, raw, elapsed, n in measured:
        ratio = raw["p50"] / hello["p50"]
        verdict = "met" if raw["p95"] / 1000 <= TARGET_P95_MS else "NOT met"
        unexpected += raw["other"] + raw["errors"]
        versus = f" Median {ratio:.1f} × hello-world's (also unpaused)." if not pause else ""
        summary += (
            f"\n{args.clients} connections, {label(pause)}: {n} posts in {elapsed:.1f} s; {raw['s200']} "
            f"accepted, {raw['s409']} refused with 409 (over the cap or duplicate), {raw['extra']} repeated "
            f"after a wrk thread's list ran out (refused duplicates), unexpected: "
            f"{raw['other'] + raw['errors']}.{versus} Goal p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict}.\n"
        )
    summary += (
        f"\nDatabase afterwards: {over} person(s) over the cap of {CAP}, {duplicates} duplicate support(s), "
        f"{len(emails) * CAP} supports expected and found.\n"
    )
    report = "\n".join(lines) + "\n" + summary
    print(report)
    if not args.no_write:
        header = (
            f"# Supports under load\n\n`bench/supports.py`: gunicorn {args.workers} workers, wrk "
            f"{args.clients} connections ({args.threads} threads), first with no pause (saturation), then "
            f"each connection pausing {args.pause_ms} ms between posts; {args.residents} residents per run logged "
            f"in beforehand, each posting "
            f"{CAP + 3} supports (cap {CAP}: {CAP} accepted, 2 over the cap, 1 duplicate) in a shuffled order, "
            f"{args.proposals} proposals, fresh SQLite database with the migrations, "
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Load average (1, 5, 15 min): "
            f"{load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f} before, "
            f"{load_after[0]:.1f} / {load_after[1]:.1f} / {load_after[2]:.1f} after.\n\n"
        )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(header + report)
    if over or duplicates or unexpected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
