"""What the vote benches share (bench/vote_load.py, bench/vote_crash.py).

A fresh database (SQLite in the instance folder, or a PostgreSQL database dropped and created again), an edition
whose town-wide knapsack vote is open with thousands of voters on the roll and linked to their accounts (seeded
through the ORM, not measured), each voter logged in through the real /login and their ballot drafted through the
real form post (not measured), Redis and the worker (the mixer) when asked, the wrk script that casts, and the
checks of the database afterwards.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from _server import BIN, ROOT, cookie_header, csrf_of, free_port, log_in, lua_table

PASSWORD = "bench-password-not-secret"
SLUG = "bench-vote"
# The instance's config.py: logins are not what is measured (all clients share 127.0.0.1, hashing is cheap).
INSTANCE_CONFIG = """
LOGIN_ADDRESS_RATE_LIMIT = "100000 per minute"
LOGIN_ACCOUNT_RATE_LIMIT = "100000 per minute"
ARGON2_TIME_COST = 1
ARGON2_MEMORY_COST = 1024
"""
# (title, cost in euros) on a town-wide knapsack ballot of 60 000 €.
PROJECTS = [
    ("Verger partagé", 12_500),
    ("Parcours sportif", 21_000),
    ("Abri vélos", 8_000),
    ("Aire de jeux inclusive", 28_000),
    ("Fontaine à eau", 6_000),
    ("Boîte à livres", 1_500),
    ("Éclairage solaire", 24_000),
    ("Bancs le long du canal", 4_000),
]
ENVELOPE_EUROS = 60_000

# wrk's --latency prints 50/75/90/99 only: the `done` hook prints p95 and the answers' statuses.
# PORTS (written before this code) spreads wrk's threads over the hosts, one thread per host in turn.
REPORT_LUA = """
threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
  thread.addr = wrk.lookup("127.0.0.1", tostring(PORTS[(#threads - 1) % #PORTS + 1]))[1]
end
local function total(name)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get(name) or 0) end
  return n
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50=%d p95=%d p99=%d max=%d s303=%d s409=%d other=%d errors=%d "
    .. "connect=%d sent=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, total("s303"), total("s409"), total("other"),
    e.connect + e.read + e.write + e.timeout, e.connect, total("sent")))
end
"""
# Each wrk thread casts for every n-th voter of R ({cookie, body}), once each, and writes the session cookie
# of every 303 (which holds the trackers the receipt shows) to its own file, and "#<status>" for any other
# answer. It prints DONE once every cast is answered (a 303 or an error status); the bench then stops wrk.
# Until then a connection whose thread has no voter left replays the thread's first cast, refused with a
# 409 and counted apart ("replays"): a connection must not sit idle, since a gunicorn sync worker waits on
# an open connection until its timeout.
CAST_LUA = """
init = function(args)
  local n = tonumber(args[1])
  path = args[3]
  mine = {}
  for i = id, #R, n do table.insert(mine, R[i]) end
  sent, answered, s303, s409, other = 0, 0, 0, 0, 0
  acks = io.open(args[2] .. "/acks-" .. id .. ".txt", "w")
end
request = function()
  sent = sent + 1
  local r = mine[sent] or mine[1]
  return wrk.format("POST", path, {["Cookie"] = r[1],
    ["Content-Type"] = "application/x-www-form-urlencoded"}, r[2])
end
response = function(status, headers, body)
  if status == 409 then s409 = s409 + 1; return end
  answered = answered + 1
  if status == 303 then
    s303 = s303 + 1
    acks:write((headers["Set-Cookie"] or headers["set-cookie"] or "-") .. "\\n")
    acks:flush()
  else
    other = other + 1
    acks:write("#" .. status .. "\\n")
    acks:flush()
  end
  if answered == #mine then io.write("DONE\\n"); io.flush() end
end
"""


def hello_script(ports: list[int]) -> str:
    return f"PORTS = {{{', '.join(map(str, ports))}}}\n" + REPORT_LUA


def cast_script(ports: list[int], voters: list[Voter], pause_ms: int = 0) -> str:
    """The casting script; ``pause_ms``: each connection waits that long before each of its requests."""
    paced = f"delay = function() return {int(pause_ms)} end\n" if pause_ms else ""
    return lua_table([(v.cookie, v.body) for v in voters]) + hello_script(ports) + CAST_LUA + paced


# --- the database, Redis and the processes ---------------------------------------------------------


def fresh_database(url: str | None, instance: Path) -> str:
    """Return the DATABASE_URL of a fresh, empty database: SQLite in the instance, or PostgreSQL recreated."""
    if not url:
        return f"sqlite:///{instance / 'civic.sqlite'}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("civic_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench's database must be named civic_bench…")
    import psycopg

    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    return url


def database_label(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite (WAL, synchronous FULL)"
    return "PostgreSQL"


@contextmanager
def redis_server(url: str | None, needed: bool) -> Iterator[str | None]:
    """Yield a Redis URL: the one given, or one of a redis-server started on a free port (stopped after)."""
    if url or not needed:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: apt-get install redis-server, or give --redis redis://…")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def instance_folder(root: Path, name: str, secret_key: str) -> Path:
    """An instance folder with the bench's config.py and the secret key every host must share."""
    folder = root / name
    folder.mkdir()
    (folder / "config.py").write_text(INSTANCE_CONFIG)
    (folder / "secret_key").write_text(secret_key)
    return folder


def host_env(instance: Path, database_url: str, redis: str | None, base: str, keys: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CIVIC_INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "CIVIC_COOKIE_SECURE": "0",
        "CIVIC_ENV": "development",
        "CIVIC_BASE_URL": base,
        "CIVIC_VOTE_KEYS_DIR": str(keys),
        "CIVIC_PERSON_KEY": "ab" * 32,  # the same on every host (the roll's keys); a bench value
    }
    if redis:
        env["CIVIC_QUEUE_URL"] = redis + "/1"
        env["CIVIC_RATELIMIT_STORAGE_URI"] = redis + "/0"
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start `civic worker` (the mixer seals the pooled ballots in batches, as in production)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(BIN / "flask"), "--app", "civic", "civic", "worker"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- seeding ---------------------------------------------------------------------------------------


@dataclass
class Seeded:
    edition_id: int
    pool_id: int
    emails: list[str]
    user_ids: dict[str, int]  # e-mail -> account id
    projects: list[tuple[int, int]]  # (vote_pool_project id, cost in cents)
    budget_cents: int


def seed(env: dict[str, str], voters: int) -> Seeded:
    """Apply the migrations, then build the edition with its ballot and put every voter on the roll, linked."""
    flask = [str(BIN / "flask"), "--app", "civic"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    os.environ.update(env)
    from datetime import timedelta

    from sqlalchemy import insert, select

    from civic import create_app
    from civic.accounts.models import RoleGrant, User
    from civic.accounts.passwords import hash_password
    from civic.accounts.roles import Role
    from civic.analysis.demo import demo_proposal
    from civic.core.time import utcnow
    from civic.eligibility.models import RollLink, RollSource, VoterRollEntry
    from civic.extensions import db
    from civic.processes.models import District, Edition, EditionDistrict, Phase
    from civic.processes.phases import PHASE_ORDER, PhaseKind
    from civic.proposals.models import ProposalStatus
    from civic.proposals.services import change_status
    from civic.voting import ballot
    from civic.voting.ballot_rules import MES_ADD1, BallotFormat, BallotScope, Settings

    app = create_app()
    with app.app_context():
        now = utcnow()
        hashed = hash_password(PASSWORD)
        admin = User(
            email="admin@bench.example.org",
            display_name="Admin",
            password_hash=hashed,
            email_confirmed_at=now,
        )
        db.session.add(admin)
        db.session.flush()
        db.session.add(RoleGrant(user_id=admin.id, role=Role.ADMIN))
        districts = [District(name=f"Quartier {i}", slug=f"quartier-{i}", population=5000) for i in range(4)]
        edition = Edition(
            slug=SLUG,
            name="Bench vote",
            year=2026,
            envelope_cents=ENVELOPE_EUROS * 100,
            published=True,
        )
        for district in districts:
            edition.districts.append(EditionDistrict(district=district))
        index = PHASE_ORDER.index(PhaseKind.VOTE)
        for i, kind in enumerate(PHASE_ORDER):
            start = now - timedelta(days=1) + timedelta(days=30 * (i - index))
            edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=start + timedelta(days=30)))
        db.session.add(edition)
        db.session.flush()
        for i, (title, cost) in enumerate(PROJECTS):
            proposal = demo_proposal(edition, i, title, districts[i % 4], admin, cost, now=now)
            change_status(actor=admin, proposal=proposal, status=ProposalStatus.FEASIBLE, notify=False)
        settings = Settings(
            ballot_format=BallotFormat.KNAPSACK, counting_rule=MES_ADD1, scope=BallotScope.EDITION
        )
        ballot.save_settings(actor=admin, edition=edition, settings=settings)
        (pool,) = ballot.build_all_ballots(actor=admin, edition=edition)
        db.session.flush()
        emails = [f"voter{i}@bench.example.org" for i in range(voters)]
        db.session.execute(
            insert(User),
            [
                {
                    "email": e,
                    "display_name": f"V{i}",
                    "password_hash": hashed,
                    "email_confirmed_at": now,
                    "locale": "fr",
                }
                for i, e in enumerate(emails)
            ],
        )
        rows = db.session.execute(select(User.email, User.id).where(User.email.in_(emails)))
        user_ids = dict(rows.tuples().all())
        ids = [user_ids[e] for e in emails]
        db.session.execute(insert(RoleGrant), [{"user_id": uid, "role": Role.RESIDENT} for uid in ids])
        keys = [secrets.token_hex(32) for _ in ids]
        db.session.execute(
            insert(VoterRollEntry),
            [
                {
                    "edition_id": edition.id,
                    "person_key": key,
                    "district_id": districts[n % 4].id,
                    "weight": 1,
                    "source": RollSource.IN_PERSON,
                    "added_on": now.date(),
                }
                for n, key in enumerate(keys)
            ],
        )
        db.session.execute(
            insert(RollLink),
            [
                {"edition_id": edition.id, "person_key": key, "user_id": uid, "linked_on": now.date()}
                for key, uid in zip(keys, ids, strict=True)
            ],
        )
        db.session.commit()
        seeded = Seeded(
            edition_id=edition.id,
            pool_id=pool.id,
            emails=emails,
            user_ids=user_ids,
            projects=[(vpp.id, vpp.cost_cents) for vpp in pool.projects],
            budget_cents=pool.budget_cents,
        )
        db.engine.dispose()
    return seeded


# --- the voters ------------------------------------------------------------------------------------


@dataclass
class Voter:
    email: str
    user_id: int
    cookie: str  # the Cookie header of their session, their draft in it
    body: str  # the cast's form body: their CSRF token
    base: str  # the host that drafted it


def _choice(rng: random.Random, seeded: Seeded) -> list[int]:
    chosen, spent = [], 0
    for vpp_id, cost in rng.sample(seeded.projects, len(seeded.projects)):
        if spent + cost <= seeded.budget_cents and len(chosen) < 4:
            chosen.append(vpp_id)
            spent += cost
    return chosen


def prepare_voters(
    bases: list[str], seeded: Seeded, only: range | None = None, threads: int = 8, seed_: int = 2026
) -> list[Voter]:
    """Log every voter (or those of ``only``) in (/login) and draft their ballot (the ballot's form post).

    Each in their own session. The choices are drawn for every voter in order, whatever ``only`` picks.
    """
    rng = random.Random(seed_)
    choices = [_choice(rng, seeded) for _ in seeded.emails]

    def one(n: int) -> Voter:
        base = bases[n % len(bases)]
        email = seeded.emails[n]
        person = log_in(base, email, PASSWORD)
        url = f"{base}/editions/{SLUG}/vote/{seeded.pool_id}"
        token = csrf_of(person, url)
        draft = person.post(url, data={"csrf_token": token, "project": choices[n]}, allow_redirects=False)
        if draft.status_code != 303 or not draft.headers["Location"].endswith("/vote/review"):
            raise SystemExit(f"draft of {email}: {draft.status_code}")
        return Voter(
            email, seeded.user_ids[email], cookie_header(person), "csrf_token=" + quote(token, safe=""), base
        )

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, only if only is not None else range(len(seeded.emails))))


# --- what the clients were shown -------------------------------------------------------------------


@dataclass
class Acks:
    """The casts acknowledged by a 303: per account, the trackers its receipt shows."""

    # Keyed by the session's login id (Flask-Login's _user_id: a token of the browser's session, one per voter).
    trackers: dict[str, list[str]] = field(default_factory=dict)  # session id -> trackers
    cookies: dict[str, str] = field(default_factory=dict)  # session id -> the new session cookie
    statuses: Counter[int] = field(default_factory=Counter)  # the other answers' statuses
    twice: int = 0  # accounts acknowledged more than once
    unreadable: int = 0

    @property
    def all_trackers(self) -> list[str]:
        return [t for ts in self.trackers.values() for t in ts]


def session_reader(secret_key: str) -> Any:
    """Return a reader of Flask session cookies signed with ``secret_key`` (the signature is checked)."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("bench_reader")
    app.secret_key = secret_key
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer


def read_acks(folder: Path, secret_key: str, acks: Acks | None = None) -> Acks:
    """Read the Set-Cookie headers the wrk threads wrote, one per 303, into trackers per account."""
    reader = session_reader(secret_key)
    acks = acks or Acks()
    for path in sorted(folder.glob("acks-*.txt")):
        for line in path.read_text().splitlines():
            if line.startswith("#"):
                acks.statuses[int(line[1:])] += 1
            else:
                add_ack(acks, reader, line)
    return acks


def session_data(reader: Any, cookies: str) -> dict[str, Any]:
    """Return the content of the ``session`` cookie in a Cookie or Set-Cookie header (signature checked)."""
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "session":
            return reader.loads(unquote(value.strip('"')))  # type: ignore[no-any-return]
    raise ValueError("no session cookie")


def session_id(reader: Any, voter: Voter) -> str:
    return str(session_data(reader, voter.cookie)["_user_id"])


def add_ack(acks: Acks, reader: Any, set_cookie: str) -> None:
    first = set_cookie.split(";", 1)[0]
    try:
        data = session_data(reader, first)
        user = str(data["_user_id"])
        trackers = [tracker for _place, tracker in data["ballot_receipt"]["cast"]]
    except Exception:  # anything unreadable is counted and reported
        acks.unreadable += 1
        return
    if user in acks.trackers:
        acks.twice += 1
    acks.trackers.setdefault(user, []).extend(trackers)
    acks.cookies[user] = first


def check_receipts(base: str, acks: Acks, sample: int, seed_: int = 7) -> int:
    """GET the receipt page of ``sample`` acknowledged voters; return how many do not show their tracker."""
    from _server import requests_module

    from civic.voting.board import shown_tracker

    requests = requests_module()
    users = random.Random(seed_).sample(sorted(acks.cookies), min(sample, len(acks.cookies)))
    missing = 0
    for user in users:
        page = requests.get(
            f"{base}/editions/{SLUG}/vote/receipt", headers={"Cookie": acks.cookies[user]}, timeout=30
        ).text
        missing += any(shown_tracker(t) not in page for t in acks.trackers[user])
    return missing


# --- the database afterwards -----------------------------------------------------------------------


@dataclass
class Tally:
    participations: int  # online
    doubles: int  # people with more than one participation
    pooled: int
    boxed: int  # online ballots in the box
    batches: int
    trackers: set[str]
    duplicate_trackers: int
    ballots_without_choices: int

    @property
    def ballots(self) -> int:
        return self.pooled + self.boxed


def tally(database_url: str, edition_id: int) -> Tally:
    from sqlalchemy import create_engine, text

    from civic.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    e = {"e": edition_id}
    with engine.connect() as con:

        def one(sql: str) -> int:
            return int(con.execute(text(sql), e).scalar_one())

        in_edition = "pool_id IN (SELECT id FROM vote_pool WHERE edition_id = :e)"
        pooled = [r[0] for r in con.execute(text(f"SELECT tracker FROM ballot_pool WHERE {in_edition}"), e)]
        boxed = [
            r[0]
            for r in con.execute(
                text(f"SELECT tracker FROM ballot WHERE channel = 'online' AND {in_edition}"), e
            )
        ]
        result = Tally(
            participations=one(
                "SELECT count(*) FROM participation WHERE edition_id = :e AND channel = 'online'"
            ),
            doubles=one(
                "SELECT count(*) FROM (SELECT person_key FROM participation WHERE edition_id = :e "
                "GROUP BY person_key HAVING count(*) > 1) AS d"
            ),
            pooled=len(pooled),
            boxed=len(boxed),
            batches=one("SELECT count(*) FROM board_batch WHERE edition_id = :e"),
            trackers=set(pooled) | set(boxed),
            duplicate_trackers=len(pooled) + len(boxed) - len(set(pooled) | set(boxed)),
            ballots_without_choices=one(
                f"SELECT count(*) FROM ballot b WHERE b.{in_edition} AND NOT EXISTS "
                "(SELECT 1 FROM ballot_choice c WHERE c.ballot_id = b.id)"
            )
            + one(f"SELECT count(*) FROM ballot_pool WHERE {in_edition} AND choices IS NULL"),
        )
    engine.dispose()
    return result


def problems(t: Tally, acks: Acks, *, expected_participations: int | None) -> list[str]:
    """Return what is wrong with the database against what the clients were told (empty: all holds)."""
    found = []
    if t.doubles:
        found.append(f"{t.doubles} person(s) with more than one participation")
    if t.participations != t.ballots:
        found.append(f"{t.participations} online participations but {t.ballots} online ballots (pool + box)")
    missing = [tracker for tracker in acks.all_trackers if tracker not in t.trackers]
    if missing:
        found.append(f"{len(missing)} acknowledged tracker(s) not in the pool or the box")
    if acks.twice:
        found.append(f"{acks.twice} account(s) acknowledged twice")
    if acks.unreadable:
        found.append(f"{acks.unreadable} acknowledgement(s) without a readable receipt")
    if t.duplicate_trackers:
        found.append(f"{t.duplicate_trackers} duplicate tracker(s)")
    if t.ballots_without_choices:
        found.append(f"{t.ballots_without_choices} ballot(s) without their choices")
    if expected_participations is not None and t.participations != expected_participations:
        found.append(f"{t.participations} participations, {expected_participations} expected")
    return found


def tally_line(t: Tally, acks: Acks) -> str:
    return (
        f"{t.participations} online participations; {t.ballots} online ballots ({t.pooled} waiting in the pool, "
        f"{t.boxed} in the box in {t.batches} sealed batches); {t.doubles} double participations; "
        f"{len(acks.all_trackers)} acknowledged trackers, "
        f"{sum(tr in t.trackers for tr in acks.all_trackers)} of them found"
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def write_section(path: Path, title: str, intro: str, heading: str, body: str) -> None:
    """Write ``body`` under ``## heading`` in ``path``, replacing that section if the file has it."""
    text = path.read_text() if path.exists() else f"# {title}\n\n{intro}\n"
    marker = f"\n## {heading}\n"
    start = text.find(marker)
    if start >= 0:
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + (text[end:] if end >= 0 else "\n")
    text = text.rstrip("\n") + "\n" + marker + "\n" + body.rstrip("\n") + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def secret_key() -> str:
    return secrets.token_hex(32)
