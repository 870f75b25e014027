"""Contributions to co-budget projects through the real HTTP stack: 32 members at once, then the books checked.

Starts gunicorn (2 workers, bench/pages_app.py: Civic plus a bare /bench-hello) on a fresh database with the
migrations applied — SQLite (WAL, synchronous FULL) in a temporary instance folder, or the PostgreSQL database
named by ``--database`` (dropped and created again; its name must start with ``civic_bench``). Seeds, through
the services the pages use (not measured), a published appel à communs whose round is funded, ``--members``
members each allocated 40 €, four projects with room to spare and one nearly full (300 €), matching funds on.
Each member logs in through the real /login and reads the CSRF token of a project page (not measured).

Then Debian's `wrk` holds 32 connections posting contributions (POST …/projects/<id>/contribute, the plain
form: 303 when recorded, 409 when refused — the allocation is spent, the project is full, the member limit is
reached), ``--gifts`` per member of 1–9 € to random projects, each with its own idempotency key, no pause.
hello-world is measured by the same wrk settings on the same gunicorn just before and just after, and the
same members' cookies and bodies post once to the signed-in no-op (``/bench-signed-in``: session, account,
CSRF, rate limit, a 303), the floor of any form post on this stack: the report says how many floors a gift
costs.

Targets: p95 ≤ 100 ms, no answer other than 303 or 409, no socket error, and afterwards zero invariant
violations: ``civic ledger check`` passes, no wallet below zero, no project above its maximum, and the
money given equals what the wallets lost.

    .venv/bin/python bench/cobudget.py [--database postgresql://postgres@127.0.0.1:54329/civic_bench]
        [--members 640 --gifts 6 --clients 32 --workers 2 --no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
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
    rate,
    run_wrk,
    start_gunicorn,
    wait_until_idle,
    wrk_path,
)
from _vote import (
    PASSWORD,
    database_label,
    fresh_database,
    hello_script,
    host_env,
    instance_folder,
    load_average,
    secret_key,
    stop,
    write_section,
)

RESULTS = ROOT / "bench" / "results" / "cobudget.md"
TARGET_P95_MS = 100.0
SLUG = "bench-communs"
ALLOCATION = 40_00
EXTRA_CONFIG = 'COMMONS_RATE_LIMIT = "100000 per minute"\nPROPOSAL_WRITE_RATE_LIMIT = "100000 per minute"\n'

# Each wrk thread posts every n-th row of R ({cookie, path, body}) once, then (so that no connection sits
# idle before wrk is stopped) replays its first row: the same idempotency key, so nothing more is posted.
GIFT_LUA = """
init = function(args)
  local n = tonumber(args[1])
  mine = {}
  for i = id, #R, n do table.insert(mine, R[i]) end
  sent, answered, s303, s409, other = 0, 0, 0, 0, 0
end
request = function()
  sent = sent + 1
  local r = mine[sent] or mine[1]
  return wrk.format("POST", r[2], {["Cookie"] = r[1],
    ["Content-Type"] = "application/x-www-form-urlencoded"}, r[3])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered > #mine then return end
  if status == 303 then s303 = s303 + 1 elseif status == 409 then s409 = s409 + 1 else other = other + 1 end
  if answered == #mine then io.write("DONE\\n"); io.flush() end
end
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", help="postgresql://…/civic_bench… (default: SQLite in a temporary folder)"
    )
    parser.add_argument("--members", type=int, default=640)
    parser.add_argument("--gifts", type=int, default=6, help="contributions posted per member")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hello-seconds", type=int, default=5)
    parser.add_argument("--max-seconds", type=int, default=120)
    parser.add_argument("--pause-ms", type=int, default=500, help="the paced half: each connection's pause")
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args()


def seed(env: dict[str, str], members: int) -> tuple[list[str], list[int]]:
    """Migrate, then build the call, its round, the members and the projects; return e-mails and project ids."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "civic", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    os.environ.update(env)
    from datetime import timedelta

    from civic import create_app
    from civic.accounts.models import RoleGrant, User
    from civic.accounts.passwords import hash_password
    from civic.accounts.roles import Role
    from civic.commons import services
    from civic.commons.ledger_rules import BudgetLine
    from civic.core.time import local_today, utcnow
    from civic.extensions import db

    app = create_app()
    with app.app_context():
        hashed = hash_password(PASSWORD)
        now = utcnow()
        organiser = User(
            email="communs@bench.example.org",
            display_name="Orga",
            password_hash=hashed,
            email_confirmed_at=now,
        )
        db.session.add(organiser)
        db.session.flush()
        db.session.add(RoleGrant(user_id=organiser.id, role=Role.ORGANISER))
        today = local_today()
        call = services.create_call(
            actor=organiser,
            data=services.CallInput(
                title="Bench communs",
                problem="p",
                solution_traits="",
                territory="",
                code_licence="",
                data_licence="",
                content_licence="",
                hardware_licence="",
                community_rules="",
                governance_rules="",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=30),
                member_project_cap=15_00,
                match_percent=50,
                match_contribution_cap=2_00,
            ),
        )
        assert call.slug == SLUG
        services.publish_call(actor=organiser, call=call)
        services.fund(actor=organiser, call=call, amount=members * ALLOCATION, funder_name="Ville", key=None)
        services.fund(actor=organiser, call=call, amount=500_00, funder_name="Ville", key=None, matching=True)
        people = []
        for n in range(members):
            person = User(
                email=f"m{n}@bench.example.org",
                display_name=f"Membre {n}",
                password_hash=hashed,
                email_confirmed_at=now,
            )
            db.session.add(person)
            people.append(person)
        db.session.flush()
        for person in people:
            services.join(actor=person, call=call)
        services.allocate(actor=organiser, call=call, allocations=[(p, ALLOCATION) for p in people], key=None)
        project_ids = []
        for n, maximum in enumerate((10_000_00, 10_000_00, 10_000_00, 10_000_00, 300_00)):
            holder = people[n]
            lines = [BudgetLine("ligne", maximum // 2, maximum)]
            project = services.start_project(
                actor=holder,
                call=call,
                data=services.ProjectInput(
                    title=f"Projet {n}",
                    summary="s",
                    team="",
                    ways_of_acting="",
                    partners="",
                    governance="",
                    commons_rules="",
                    citizen_involvement="",
                    animation="",
                    lines=lines,
                    needs=[],
                ),
            )
            project_ids.append(project.id)
        db.session.commit()
        return [p.email or "" for p in people], project_ids


def prepare(base: str, emails: list[str], projects: list[int], gifts: int) -> list[tuple[str, str, str]]:
    """Log every member in and read a CSRF token; return one (cookie, path, body) row per contribution."""
    rng = random.Random(2026)

    def one(email: str) -> list[tuple[str, str, str]]:
        person = log_in(base, email, PASSWORD)
        token = csrf_of(person, f"{base}/commons/{SLUG}/projects/{projects[0]}")
        cookie = cookie_header(person)
        rows = []
        for g in range(gifts):
            project = projects[rng.randrange(len(projects))]
            euros = rng.randint(1, 9)
            body = f"csrf_token={quote(token, safe='')}&amount={euros}&source=&key={email.split('@')[0]}-{g}"
            rows.append((cookie, f"/commons/{SLUG}/projects/{project}/contribute", body))
        return rows

    with ThreadPoolExecutor(8) as pool:
        per_member = list(pool.map(one, emails))
    rows = [row for member in per_member for row in member]
    rng.shuffle(rows)
    return rows


def check(env: dict[str, str]) -> list[str]:
    """The books after the load: the ledger check, floors, caps, and money given = money the wallets lost."""
    found = []
    checked = subprocess.run(
        [str(BIN / "flask"), "--app", "civic", "civic", "ledger", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if checked.returncode != 0:
        found.append("civic ledger check: " + (checked.stdout + checked.stderr).strip())
    from sqlalchemy import func, select

    from civic import create_app
    from civic.commons.models import AccountKind, CommonsProject, LedgerAccount, LedgerJournal
    from civic.extensions import db

    app = create_app()
    with app.app_context():
        negative = db.session.scalar(
            select(func.count()).where(
                LedgerAccount.kind == AccountKind.MEMBER_WALLET, LedgerAccount.balance < 0
            )
        )
        over = db.session.scalar(
            select(func.count())
            .select_from(CommonsProject)
            .join(LedgerAccount, LedgerAccount.id == CommonsProject.funding_account_id)
            .where(LedgerAccount.balance + LedgerAccount.pending_in > CommonsProject.maximum)
        )
        wallets = (
            db.session.scalar(
                select(func.sum(LedgerAccount.balance)).where(LedgerAccount.kind == AccountKind.MEMBER_WALLET)
            )
            or 0
        )
        funding = (
            db.session.scalar(
                select(func.sum(LedgerAccount.balance)).where(
                    LedgerAccount.kind == AccountKind.PROJECT_FUNDING
                )
            )
            or 0
        )
        members = db.session.scalar(
            select(func.count()).where(LedgerAccount.kind == AccountKind.MEMBER_WALLET)
        )
        gifts = db.session.scalar(select(func.count()).where(LedgerJournal.kind == "contribute"))
        if negative:
            found.append(f"{negative} wallets below zero")
        if over:
            found.append(f"{over} projects above their maximum")
        if members * ALLOCATION - wallets != funding:
            found.append(f"wallets lost {members * ALLOCATION - wallets} but projects hold {funding}")
        found_gifts = int(gifts or 0)
    return found, found_gifts  # type: ignore[return-value]


def row(name: str, raw: dict[str, int], hello: float) -> str:
    return (
        f"| {name} | {raw['requests']} | {rate(raw):,.0f} | {rate(raw) / hello:.1%} | {raw['p50'] / 1000:.1f} | "
        f"{raw['p95'] / 1000:.1f} | {raw['p99'] / 1000:.1f} | {raw['max'] / 1000:.1f} |"
    )


def main() -> None:
    args = arguments()
    wrk = wrk_path()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="civic-bench-cobudget-") as tmp_name:
        tmp = Path(tmp_name)
        instance = instance_folder(tmp, "host", secret_key())
        with (instance / "config.py").open("a") as config:
            config.write(EXTRA_CONFIG)
        database_url = fresh_database(args.database, instance)
        env = host_env(instance, database_url, None, base, tmp / "vote-keys")
        print(f"Preparing the database ({database_label(database_url)})…", file=sys.stderr, flush=True)
        emails, projects = seed(env, args.members)
        server = start_gunicorn(port, args.workers, env)
        try:
            print(f"Logging {args.members} members in…", file=sys.stderr, flush=True)
            rows = prepare(base, emails, projects, args.gifts)
            hello_lua, gift_lua, paced_lua = tmp / "hello.lua", tmp / "gift.lua", tmp / "paced.lua"
            half = len(rows) // 2
            hello_lua.write_text(hello_script([port]))
            floor_lua = tmp / "floor.lua"  # the same members, cookies and bodies, to the signed-in no-op
            floor_rows = [(cookie, "/bench-signed-in", body) for cookie, _path, body in rows[:half]]
            floor_lua.write_text(lua_table(floor_rows) + hello_script([port]) + GIFT_LUA)
            gift_lua.write_text(lua_table(rows[:half]) + hello_script([port]) + GIFT_LUA)
            pause = f"delay = function() return {int(args.pause_ms)} end\n"
            paced_lua.write_text(lua_table(rows[half:]) + hello_script([port]) + GIFT_LUA + pause)
            settings = {"threads": args.threads, "clients": args.clients}
            load_before = load_average()
            hello_first = run_wrk(
                wrk, hello_lua, base + "/bench-hello", duration=args.hello_seconds, **settings
            )
            floor = run_wrk(
                wrk,
                floor_lua,
                base + "/",
                duration=args.max_seconds,
                extra=(str(args.threads),),
                stop_when_done=True,
                **settings,
            )
            wait_until_idle(base + "/bench-hello")
            print(f"wrk: {half} contributions, no pause", file=sys.stderr, flush=True)
            started = time.perf_counter()
            gifts = run_wrk(
                wrk,
                gift_lua,
                base + "/",
                duration=args.max_seconds,
                extra=(str(args.threads),),
                stop_when_done=True,
                **settings,
            )
            seconds = time.perf_counter() - started
            wait_until_idle(base + "/bench-hello")
            print(
                f"wrk: {len(rows) - half} contributions, {args.pause_ms} ms pause",
                file=sys.stderr,
                flush=True,
            )
            paced = run_wrk(
                wrk,
                paced_lua,
                base + "/",
                duration=args.max_seconds,
                extra=(str(args.threads),),
                stop_when_done=True,
                **settings,
            )
            wait_until_idle(base + "/bench-hello")
            hello_last = run_wrk(
                wrk, hello_lua, base + "/bench-hello", duration=args.hello_seconds, **settings
            )
            load_after = load_average()
        finally:
            stop(server)
        found, recorded = check(env)
    hello = max(rate(hello_first), rate(hello_last))
    unexpected = sum(r["other"] + r["errors"] for r in (gifts, paced))
    if floor["s303"] != len(floor_rows) or floor["other"] or floor["errors"]:
        found.append(f"the signed-in no-op answered {floor['s303']} of {len(floor_rows)} posts with a 303")
    if unexpected:
        found.append(f"{unexpected} answers other than 303 or 409, or socket errors")
    if recorded != gifts["s303"] + paced["s303"]:
        found.append(f"{gifts['s303'] + paced['s303']} contributions acknowledged but {recorded} recorded")
    p95, paced_p95 = gifts["p95"] / 1000, paced["p95"] / 1000
    setup = f"{database_label(database_url)}, 1 host × {args.workers} gunicorn workers"
    lines = [
        "| requests | n | req/s | vs hello | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row("contributions (POST …/contribute: 303 or 409), no pause (saturation)", gifts, hello),
        row(f"contributions, {args.pause_ms} ms pause between a connection's posts", paced, hello),
        row(
            "signed-in no-op POST (the floor: session, account, CSRF, rate limit; 303), no pause",
            floor,
            hello,
        ),
        row("hello world (first)", hello_first, hello),
        row("hello world (last)", hello_last, hello),
    ]
    summary = (
        f"\n{args.clients} connections ({args.threads} wrk threads), {args.members} members, {len(rows)} "
        f"contributions: half with no pause ({seconds:.1f} s: {gifts['s303']} recorded (303), {gifts['s409']} "
        f"refused (409: allocation spent, project full, or member limit)), half with a {args.pause_ms} ms pause "
        f"per connection ({paced['s303']} recorded, {paced['s409']} refused); {unexpected} other answers or "
        f"errors. At saturation, latency is the queue: {args.clients} connections over {rate(gifts):.0f} "
        f"contributions/s; a contribution costs {rate(floor) / rate(gifts):.1f} signed-in no-op POSTs "
        f"({rate(floor):.0f}/s, the floor of any form post on this stack). "
        f"Targets — p95 ≤ {TARGET_P95_MS:.0f} ms at saturation: "
        f"{'met' if p95 <= TARGET_P95_MS else 'NOT met'} ({p95:.1f} ms), paced: "
        f"{'met' if paced_p95 <= TARGET_P95_MS else 'NOT met'} ({paced_p95:.1f} ms); "
        f"no other answer: {'met' if not unexpected else 'NOT met'}; invariants: "
        + (
            "all hold (civic ledger check passes, no wallet below zero, no project above its maximum, money "
            "given = money the wallets lost).\n"
            if not found
            else "PROBLEMS: " + "; ".join(found) + ".\n"
        )
    )
    report = "\n".join(lines) + "\n" + summary
    print(f"{setup}\n\n{report}")
    if not args.no_write:
        intro = (
            "`bench/cobudget.py`: see its docstring for what is measured and checked. The machine has 2 cores "
            "shared with other work: figures are noisy (load average is given per run)."
        )
        body = (
            f"{setup}; wrk {args.clients} connections, {args.threads} threads; "
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Load average (1, 5, 15 min): "
            f"{load_before} before, {load_after} after.\n\n"
            f"    .venv/bin/python {' '.join(['bench/cobudget.py', *sys.argv[1:]])}\n\n" + report
        )
        write_section(
            RESULTS,
            "Co-budget contributions under load",
            intro,
            database_label(database_url).split(" ")[0],
            body,
        )
    if found or paced_p95 > TARGET_P95_MS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
