"""The demo's edition whose vote is over: ballots cast through the real paths, sealed, counted and published.

Residents voted online (some twice: the edition lets people vote again, the last ballot counts), at the town
hall's kiosk and on paper (tally sheets typed twice); then the vote ended, the seal ran, the edition's rule
counted the box and an administrator published the result. Its board, ``ballots.pb`` and ``results.json``
are public, like a real town's.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.services import create_user, find_live_user_by_email
from civic.analysis.demo import demo_proposal
from civic.core.time import utcnow
from civic.eligibility.services import add_in_person, link_with_identifier
from civic.extensions import db
from civic.processes.models import District, Edition, EditionDistrict, EditionMode, Phase
from civic.processes.phases import PHASE_ORDER, PhaseKind
from civic.proposals.models import ProposalStatus
from civic.proposals.services import change_status
from civic.results.closing import close_vote
from civic.results.models import TallyRun
from civic.results.services import execute_run, publish_run
from civic.voting import ballot, casting, filling, mixer, townhall
from civic.voting.ballot_rules import GREEDY, BallotFormat, BallotScope, Settings
from civic.voting.models import VotePool

SLUG = "budget-participatif-2026-clos"
ADMIN_EMAIL = "admin@demo.civic.example.org"
DESK_EMAIL = "accueil@demo.civic.example.org"
BUREAU_EMAIL = "bureau@demo.civic.example.org"  # the second officer who types the paper tally sheet
POLLING_PLACE = "Mairie de Saint-Aubin"
KIOSK_VOTERS = 5
PAPER_VOTERS = 7  # one of them had voted online: the paper ballot replaces it
BLANK_PAPER = 1  # of the paper voters, one put a blank ballot in the box
ONLINE_VOTERS = 26
REVOTERS = (4, 9)  # these voted online twice
BIRTH = date(1975, 3, 1)
ENVELOPE_EUROS = 40_000
PROJECTS = [
    ("Jardin partagé des Tilleuls", "Les Tilleuls", "camille", 9_000),
    ("Piste cyclable du collège", "Centre-bourg", "yann", 18_000),
    ("Skate-park de Kervenec", "Kervenec", "louis", 15_000),
    ("Composteurs de quartier", "La Garenne", "nadia", 3_500),
    ("Ombrières de la cour d'école", "Port-Neuf", "ines", 12_000),
    ("Toilettes publiques du port", "Port-Neuf", "yann", 7_500),
]


def seed_closed_vote_demo(districts: dict[str, District], *, password: str) -> Edition | None:
    """Create the edition whose vote is over, sealed and published (idempotent: nothing when it exists)."""
    if db.session.scalar(select(Edition).where(Edition.slug == SLUG)):
        return None
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.is_not(None)))}
    admin, desk, bureau = users.get(ADMIN_EMAIL), users.get(DESK_EMAIL), users.get(BUREAU_EMAIL)
    if admin is None or desk is None or bureau is None:
        return None
    edition = _edition(districts)
    now = utcnow()
    for i, (title, district, author, cost) in enumerate(PROJECTS):
        proposal = demo_proposal(
            edition, i, title, districts[district], users.get(f"{author}@demo.civic.example.org"), cost, now=now
        )
        change_status(
            actor=admin,
            proposal=proposal,
            status=ProposalStatus.FEASIBLE,
            public_reason="Projet jugé faisable par les services de la commune.",
        )
    settings = Settings(
        ballot_format=BallotFormat.APPROVAL,
        counting_rule=GREEDY,
        scope=BallotScope.EDITION,
        revote=True,
        paper_cancels_online=True,
    )
    ballot.save_settings(actor=admin, edition=edition, settings=settings)
    (pool,) = ballot.build_all_ballots(actor=admin, edition=edition)
    db.session.flush()
    _vote_online(edition, pool, settings, desk, password)
    _vote_at_the_town_hall(edition, pool, settings, desk, bureau)
    _end_the_vote(edition)
    db.session.commit()
    close_vote(edition)
    _count_and_publish(edition, admin)
    return edition


def _choices(rng: random.Random, pool: VotePool) -> filling.Reading:
    projects = list(pool.projects)
    return filling.Reading(tuple(rng.sample(projects, rng.randint(1, 3))), None)


def _vote_online(edition: Edition, pool: VotePool, settings: Settings, desk: User, password: str) -> None:
    """Residents on the roll vote online through the real path; two vote again; the mixer runs as it goes."""
    rng = random.Random(2025)  # noqa: S311 (demo choices, not a secret)
    when = utcnow() - timedelta(days=2)  # two days before the end of the vote
    for n in range(1, ONLINE_VOTERS + 1):
        email = f"votant{n:02d}@demo.civic.example.org"
        voter = find_live_user_by_email(email) or create_user(
            email=email, display_name=f"Votant {n}", password=password, confirmed=True
        )
        identifier = f"SAINT-AUBIN-C{n:03d}"
        add_in_person(actor=desk, edition=edition, identifier=identifier, birth_date=BIRTH, district_id=None)
        link_with_identifier(actor=voter, edition=edition, identifier=identifier, birth_date=BIRTH)
        for _round in range(2 if n in REVOTERS else 1):
            casting.cast_ballots(
                actor=voter, edition=edition, settings=settings, ballots=[(pool, _choices(rng, pool))], now=when
            )
        if n % 10 == 0:
            mixer.mix(edition=edition)
    db.session.flush()


def _vote_at_the_town_hall(
    edition: Edition, pool: VotePool, settings: Settings, desk: User, bureau: User
) -> None:
    """The polling place at the town hall: kiosk ballots, then paper ballots on a tally sheet typed twice."""
    rng = random.Random(2026)  # noqa: S311 (demo choices, not a secret)
    when = utcnow() - timedelta(days=2)
    for n in range(1, KIOSK_VOTERS + 1):
        identifier = f"SAINT-AUBIN-K{n:03d}"
        add_in_person(actor=desk, edition=edition, identifier=identifier, birth_date=BIRTH, district_id=None)
        recorded = townhall.record_in_person(
            actor=desk,
            edition=edition,
            identifier=identifier,
            birth_date=BIRTH,
            medium=townhall.Medium.KIOSK,
            place=POLLING_PLACE,
            now=when,
        )
        townhall.cast_at_kiosk(
            edition=edition,
            settings=settings,
            typed_ticket=recorded.ticket or "",
            ballots=[(pool, _choices(rng, pool))],
            now=when,
        )
    # Paper: the first paper voter had voted online (votant01); their online ballot is superseded.
    identifiers = ["SAINT-AUBIN-C001"] + [f"SAINT-AUBIN-P{n:03d}" for n in range(2, PAPER_VOTERS + 1)]
    for identifier in identifiers[1:]:
        add_in_person(actor=desk, edition=edition, identifier=identifier, birth_date=BIRTH, district_id=None)
    for identifier in identifiers:
        townhall.record_in_person(
            actor=desk,
            edition=edition,
            identifier=identifier,
            birth_date=BIRTH,
            medium=townhall.Medium.PAPER,
            place=POLLING_PLACE,
            now=when,
        )
    readings = [_choices(rng, pool) for _ in range(PAPER_VOTERS - BLANK_PAPER)]
    for officer in (desk, bureau):  # typed twice, by two officers: the second entry matches, the sheet is accepted
        townhall.type_sheet(
            actor=officer,
            edition=edition,
            settings=settings,
            pool=pool,
            place=POLLING_PLACE,
            number=1,
            readings=readings,
            blank=BLANK_PAPER,
        )
    townhall.save_remarks(
        actor=desk,
        edition=edition,
        place=POLLING_PLACE,
        remarks="Bureau ouvert de 9 h à 18 h. Un électeur ayant voté en ligne a voté sur papier : "
        "son vote en ligne est remplacé. Aucun incident.",
    )
    db.session.flush()


def _end_the_vote(edition: Edition) -> None:
    """Move the calendar on: the vote ended yesterday, the results phase is open."""
    phases = {p.kind: p for p in edition.phases}
    now = utcnow()
    phases[PhaseKind.VOTE].ends_at = now - timedelta(days=1)
    phases[PhaseKind.RESULTS].starts_at = now - timedelta(days=1)


def _count_and_publish(edition: Edition, admin: User) -> None:
    """Count now (the seal queued the counts; the demo does not wait for the worker) and publish."""
    runs = db.session.scalars(
        select(TallyRun).join(VotePool, VotePool.id == TallyRun.pool_id).where(VotePool.edition_id == edition.id)
    ).all()
    for run_id in [r.id for r in runs]:
        execute_run(run_id)
        publish_run(actor=admin, run=db.session.get(TallyRun, run_id))  # type: ignore[arg-type]
        db.session.commit()


def _edition(districts: dict[str, District]) -> Edition:
    now = utcnow()
    edition = Edition(
        slug=SLUG,
        name="Budget participatif 2026 – vote clos",
        year=2026,
        envelope_cents=ENVELOPE_EUROS * 100,
        population=22_000,
        investment_budget_cents=4_200_000_00,
        mode=EditionMode.RESIDENTS_SUBMIT,
        published=True,
        description=(
            "Le vote est clos : les bulletins déposés en ligne, à la borne de la mairie et sur papier ont été "
            "scellés, comptés et publiés. Chacun peut recompter l'urne et retrouver son bulletin."
        ),
        rules_text=(
            "Un vote par personne ; en ligne, on peut revoter jusqu'à la clôture et seul le dernier vote compte. "
            "Voter en mairie remplace un vote en ligne. Dépouillement au vote majoritaire dans l'enveloppe."
        ),
    )
    durations = {
        PhaseKind.SUBMISSION: 42,
        PhaseKind.PRESELECTION: 21,
        PhaseKind.ANALYSIS: 45,
        PhaseKind.VOTE: 21,
        PhaseKind.RESULTS: 14,
        PhaseKind.REALISATION: 540,
    }
    start = now - timedelta(days=42 + 21 + 45 + 10)  # the vote opened ten days ago (and is open while seeding)
    for kind in PHASE_ORDER:
        end = start + timedelta(days=durations[kind])
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=end))
        start = end
    for district in districts.values():
        edition.districts.append(EditionDistrict(district=district, envelope_cents=8_000_00))
    db.session.add(edition)
    db.session.flush()
    return edition
