"""Supports through the real HTTP stack: latency of supporting under 32 concurrent clients, against hello-world.

Starts gunicorn (2 workers, bench/pages_app.py: Civic plus a bare /bench-hello) on a fresh SQLite database
with the migrations applied, in a temporary instance folder. Seeds an edition in its pre-selection phase
(cap 5 supports per person), many residents and proposals. Then 32 client threads each take residents in
turn: log in through /login, fetch a CSRF token from a page, and post supports (more than the cap, plus
one duplicate, so that the refusals are exercised too). Reports median / p95 / max ms of the support posts
and of hello-world measured by the same threads on the same gunicorn in the same run, and checks the
database afterwards: no person over the cap, no duplicate support, every answer a 303 or a 409.

The instance's config.py lifts the login limits (all clients share 127.0.0.1) and lowers the password
hashing cost (logins are not what is measured). Goal: p95 ≤ 100 ms.

    .venv/bin/python bench/supports.py [--clients 32 --residents 320 --proposals 40 --port 8766]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _server import BIN, ROOT, free_port, start_gunicorn

try:
    import requests  # present in the dev environment (a dependency of locust), not pinned by Civic
except ImportError as exc:  # pragma: no cover - a bench's own start-up check
    raise SystemExit("bench/supports.py needs the requests package: .venv/bin/pip install requests") from exc

RESULTS = ROOT / "bench" / "results" / "supports.md"
CAP = 5
PASSWORD = "bench-password-not-secret"
TARGET_P95_MS = 100.0
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
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


class Run:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.support_ms: list[float] = []
        self.hello_ms: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []

    def note(self, ms: float, status: int) -> None:
        with self.lock:
            self.support_ms.append(ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1


def client_thread(
    base: str, emails: list[str], proposals: list[int], run: Run, barrier: threading.Barrier, seed_: int
) -> None:
    rng = random.Random(seed_)
    http = requests.Session()
    hello = []
    barrier.wait()
    for _ in range(40):
        start = time.perf_counter()
        http.get(base + "/bench-hello")
        hello.append((time.perf_counter() - start) * 1000)
    for email in emails:
        person = requests.Session()
        try:
            token = CSRF.search(person.get(base + "/login").text).group(1)  # type: ignore[union-attr]
            login = person.post(
                base + "/login",
                data={"csrf_token": token, "email": email, "password": PASSWORD},
                allow_redirects=False,
            )
            if login.status_code != 303:
                run.errors.append(f"login {email}: {login.status_code}")
                continue
            token = CSRF.search(person.get(base + "/").text).group(1)  # type: ignore[union-attr]
            targets = rng.sample(proposals, CAP + 2)
            targets.insert(2, targets[0])  # a duplicate, refused with a 409
            for proposal_id in targets:
                start = time.perf_counter()
                answer = person.post(
                    f"{base}/proposals/{proposal_id}/support",
                    data={"csrf_token": token},
                    headers={"HX-Request": "true"},
                    allow_redirects=False,
                )
                run.note((time.perf_counter() - start) * 1000, answer.status_code)
        except Exception as exc:
            run.errors.append(f"{email}: {exc!r}")
    for _ in range(40):
        start = time.perf_counter()
        http.get(base + "/bench-hello")
        hello.append((time.perf_counter() - start) * 1000)
    with run.lock:
        run.hello_ms.extend(hello)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def check_database(db_path: Path) -> tuple[int, int]:
    """Return (people over the cap, duplicate supports)."""
    con = sqlite3.connect(db_path)
    try:
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--residents", type=int, default=320)
    parser.add_argument("--proposals", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
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
        emails, proposals = seed({**os.environ, **env}, args.residents, args.proposals)
        load_before = os.getloadavg()
        proc = start_gunicorn(port, args.workers, {**os.environ, **env})
        run = Run()
        try:
            barrier = threading.Barrier(args.clients)
            share = [emails[i :: args.clients] for i in range(args.clients)]
            threads = [
                threading.Thread(target=client_thread, args=(base, share[i], proposals, run, barrier, i))
                for i in range(args.clients)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        load_after = os.getloadavg()
        over, duplicates = check_database(db_path)
    supports = run.support_ms
    hello = run.hello_ms
    accepted = run.statuses.get(303, 0) + run.statuses.get(200, 0)
    unexpected = {k: v for k, v in run.statuses.items() if k not in (200, 303, 409)}
    lines = [
        "| requests | n | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        f"| support posts (htmx) | {len(supports)} | {statistics.median(supports):.1f} | {p95(supports):.1f} | "
        f"{max(supports):.1f} |",
        f"| hello world | {len(hello)} | {statistics.median(hello):.1f} | {p95(hello):.1f} | {max(hello):.1f} |",
    ]
    ratio = statistics.median(supports) / statistics.median(hello)
    verdict = "met" if p95(supports) <= TARGET_P95_MS else "NOT met"
    summary = (
        f"\nAnswers: {accepted} accepted, {run.statuses.get(409, 0)} refused with 409 (over the cap or duplicate), "
        f"unexpected: {unexpected or 'none'}; client errors: {len(run.errors)}.\n"
        f"Database afterwards: {over} person(s) over the cap of {CAP}, {duplicates} duplicate support(s).\n"
        f"Median support latency is {ratio:.1f} × hello-world's (same gunicorn, same threads, same run). "
        f"Goal p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict}.\n"
        f"Wall time {elapsed:.1f} s for {len(supports)} supports "
        f"({len(supports) / elapsed:.0f} supports/s including logins and page fetches).\n"
    )
    report = "\n".join(lines) + "\n" + summary
    print(report)
    for error in run.errors[:10]:
        print("error:", error, file=sys.stderr)
    if not args.no_write:
        header = (
            f"# Supports under load\n\n`bench/supports.py`: gunicorn {args.workers} workers, {args.clients} concurrent "
            f"clients (threads with `requests`), {args.residents} residents each logging in then posting {CAP + 3} "
            f"supports (cap {CAP}: {CAP} accepted, 2 over the cap, 1 duplicate), {args.proposals} proposals, fresh "
            f"SQLite database with the migrations, {platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} cores shared with other work ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). "
            f"Load average (1, 5, 15 min): {load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f} "
            f"before, {load_after[0]:.1f} / {load_after[1]:.1f} / {load_after[2]:.1f} after.\n\n"
        )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(header + report)
    if over or duplicates or unexpected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
