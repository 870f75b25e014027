"""Seed 10 000 proposals and 50 000 comments in one edition, then time the list and proposal pages.

Server time is measured around real requests through the Flask test client (routing, queries,
templates, headers), on a SQLite file database with the real migrations applied.
Run: .venv/bin/python bench/proposals.py [--proposals 10000 --comments 50000 --requests 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "proposals.md"
WORDS = (  # noqa: SIM905 - a sentence is easier to edit than a list of words
    "jardin partagé piste cyclable aire de jeux banc fontaine éclairage solaire verger boîte à livres "
    "repair café sentier école marché parc square composteur abri vélo trottoir arbre fresque gymnase "
    "quartier habitants enfants aînés accessible ombre"
).split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def seed(n_proposals: int, n_comments: int) -> tuple[str, list[int], list[int]]:
    """Insert the data in bulk and return (edition slug, district ids, proposal ids)."""
    from sqlalchemy import insert, select

    from civic.accounts.models import User
    from civic.core.time import utcnow
    from civic.extensions import db
    from civic.processes.models import District, Edition, EditionDistrict, Phase, Theme
    from civic.processes.phases import PHASE_ORDER
    from civic.proposals.models import Comment, Proposal, ProposalVersion, StatusChange

    rng = random.Random(2026)
    now = utcnow()
    districts = [District(name=f"Quartier {i}", slug=f"quartier-{i}") for i in range(8)]
    db.session.add_all(districts)
    edition = Edition(
        slug="bench",
        name="Budget participatif (bench)",
        year=2026,
        envelope_cents=10**9,
        population=130_000,
        investment_budget_cents=10**11,
        published=True,
    )
    for i, kind in enumerate(PHASE_ORDER):
        start = now - timedelta(days=1) + timedelta(days=60 * i)
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=start + timedelta(days=60)))
    for d in districts:
        edition.districts.append(EditionDistrict(district=d, envelope_cents=10**7))
    for name in ("Nature", "Mobilités", "Culture", "Sport"):
        edition.themes.append(Theme(name=name))
    db.session.add(edition)
    db.session.flush()
    users = [
        {
            "email": f"u{i}@bench.example.org",
            "display_name": f"Habitant {i}",
            "locale": "fr",
            "login_nonce": f"n{i}",
            "created_at": now,
        }
        for i in range(2000)
    ]
    db.session.execute(insert(User), users)
    user_ids = list(db.session.scalars(select(User.id)))
    district_ids = [d.id for d in districts]
    theme_ids = [t.id for t in edition.themes]
    rows = []
    for i in range(n_proposals):
        rows.append(
            {
                "edition_id": edition.id,
                "reference": f"BENCH-{i:06d}",
                "author_id": rng.choice(user_ids),
                "channel": "online",
                "status": "submitted",
                "title": _text(rng, 6).capitalize(),
                "summary": _text(rng, 25),
                "description": _text(rng, 120),
                "district_id": rng.choice(district_ids),
                "theme_id": rng.choice(theme_ids),
                "estimated_cost_cents": rng.randrange(1000, 100000) * 100,
                "created_at": now,
                "submitted_at": now - timedelta(minutes=i),
                "version_count": 1,
                "comment_count": 0,
            }
        )
    db.session.execute(insert(Proposal), rows)
    proposal_ids = list(db.session.scalars(select(Proposal.id).where(Proposal.edition_id == edition.id)))
    db.session.execute(
        insert(ProposalVersion),
        [
            {
                "proposal_id": pid,
                "number": 1,
                "title": "t",
                "summary": "s",
                "description": "d",
                "created_at": now,
            }
            for pid in proposal_ids
        ],
    )
    db.session.execute(
        insert(StatusChange), [{"proposal_id": pid, "status": "submitted", "at": now} for pid in proposal_ids]
    )
    counts: dict[int, int] = {}
    comments = []
    for _ in range(n_comments):
        pid = rng.choice(proposal_ids)
        counts[pid] = counts.get(pid, 0) + 1
        comments.append(
            {
                "proposal_id": pid,
                "author_id": rng.choice(user_ids),
                "body": _text(rng, 30),
                "created_at": now - timedelta(seconds=rng.randrange(10**6)),
            }
        )
    db.session.execute(insert(Comment), comments)
    for pid, count in counts.items():
        db.session.execute(Proposal.__table__.update().where(Proposal.id == pid).values(comment_count=count))
    db.session.commit()
    return edition.slug, district_ids, proposal_ids


def measure(client, urls: list[str], *, headers: dict[str, str] | None = None) -> list[float]:
    """Request each URL once (after a warm-up) and return server times in milliseconds."""
    for url in urls[:5]:
        client.get(url, headers=headers or {})
    samples = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"| {name} | {len(samples)} | {statistics.median(ordered):.1f} | {p95:.1f} | {max(ordered):.1f} |"


def main() -> None:
    """Seed, time, print and write the results table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="civic-bench-")
    os.environ["CIVIC_INSTANCE_PATH"] = workdir
    os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade

    from civic import create_app

    app = create_app({"SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        slug, district_ids, proposal_ids = seed(args.proposals, args.comments)
        seed_seconds = time.perf_counter() - t0

    client = app.test_client()
    rng = random.Random(7)
    words = ["jardin", "piste", "banc", "verger", "école", "fontaine", "parc"]
    list_urls = []
    for i in range(args.requests):
        params = [f"district={rng.choice(district_ids)}"]
        if i % 2:
            params.append(f"q={rng.choice(words)}")
        if i % 3 == 0:
            params.append(f"page={rng.randint(1, 5)}")
        list_urls.append(f"/editions/{slug}/proposals?" + "&".join(params))
    detail_urls = [f"/proposals/{rng.choice(proposal_ids)}" for _ in range(args.requests)]

    rows = [
        summary("filtered list page (full page)", measure(client, list_urls)),
        summary("filtered list (HTMX fragment)", measure(client, list_urls, headers={"HX-Request": "true"})),
        summary("proposal page", measure(client, detail_urls)),
    ]
    header = (
        f"Data: {args.proposals} proposals, {args.comments} comments in one edition, SQLite (WAL, FTS5), "
        f"seeded in {seed_seconds:.1f} s. Server time through the Flask test client; target p95 < 50 ms.\n\n"
        "| page | requests | median ms | p95 ms | max ms |\n|---|---|---|---|---|\n"
    )
    table = header + "\n".join(rows) + "\n"
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# Proposal pages benchmark\n\n" + table)


if __name__ == "__main__":
    main()
