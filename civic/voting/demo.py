"""The demo's edition whose vote is open: analysed projects on a built, town-wide knapsack ballot."""

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
from civic.voting import ballot, casting, filling, mixer
from civic.voting.ballot_rules import MES_ADD1, BallotFormat, BallotScope, Settings
from civic.voting.models import VotePool

SLUG = "budget-participatif-2026-vote"
ADMIN_EMAIL = "admin@demo.civic.example.org"
DESK_EMAIL = "accueil@demo.civic.example.org"
# The demo residents' roll identifiers and birth dates (a census number and a document checked in person).
ROLL = {
    "camille@demo.civic.example.org": ("SAINT-AUBIN-0001", date(1988, 4, 12)),
    "yann@demo.civic.example.org": ("SAINT-AUBIN-0002", date(1979, 9, 3)),
    "nadia@demo.civic.example.org": ("SAINT-AUBIN-0003", date(1991, 1, 27)),
    "louis@demo.civic.example.org": ("SAINT-AUBIN-0004", date(2001, 6, 30)),
    "ines@demo.civic.example.org": ("SAINT-AUBIN-0005", date(1965, 11, 8)),
}
LINKED = {"camille@demo.civic.example.org", "yann@demo.civic.example.org"}
# Demo voters who have already voted (one sealed batch on the board: more than the mixer's 20).
VOTERS = 21
VOTER_BIRTH = date(1970, 1, 1)
ENVELOPE_EUROS = 60_000
# (title, district, author, analysed cost in euros)
PROJECTS = [
    ("Verger partagé derrière la médiathèque", "Centre-bourg", "camille", 12_500),
    ("Parcours sportif au parc du Moulin", "Les Tilleuls", "yann", 21_000),
    ("Abri vélos couvert à la gare", "Port-Neuf", "louis", 8_000),
    ("Aire de jeux inclusive à Kervenec", "Kervenec", "ines", 28_000),
    ("Fontaine à eau place du marché", "Centre-bourg", "yann", 6_000),
    ("Boîte à livres au lavoir", "La Garenne", "camille", 1_500),
    ("Éclairage solaire du chemin côtier", "Port-Neuf", "nadia", 24_000),
    ("Bancs le long du canal", "La Garenne", "ines", 4_000),
]


def seed_vote_demo(districts: dict[str, District], *, password: str) -> Edition | None:
    """Create the edition in its vote, with its ballot built (idempotent: nothing when it exists)."""
    if db.session.scalar(select(Edition).where(Edition.slug == SLUG)):
        return None
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.is_not(None)))}
    admin = users.get(ADMIN_EMAIL)
    if admin is None:
        return None
    edition = _edition(districts)
    now = utcnow()
    for i, (title, district, author, cost) in enumerate(PROJECTS):
        proposal = demo_proposal(
            edition,
            i,
            title,
            districts[district],
            users.get(f"{author}@demo.civic.example.org"),
            cost,
            now=now,
        )
        change_status(
            actor=admin,
            proposal=proposal,
            status=ProposalStatus.FEASIBLE,
            public_reason="Projet jugé faisable par les services de la commune.",
        )
    settings = Settings(
        ballot_format=BallotFormat.KNAPSACK, counting_rule=MES_ADD1, scope=BallotScope.EDITION
    )
    ballot.save_settings(actor=admin, edition=edition, settings=settings)
    (pool,) = ballot.build_all_ballots(actor=admin, edition=edition)
    db.session.flush()
    _voter_roll(edition, districts, users, password)
    _ballots_cast(edition, pool, settings)
    return edition


def _voter_roll(
    edition: Edition, districts: dict[str, District], users: dict[str, User], password: str
) -> None:
    """Put the demo residents and the demo voters on the roll (checked at the front desk); link some accounts.

    Camille and Yann are linked and may vote at once; Nadia, Louis and Inès are on the roll but must link
    their account first, with the identifier and birth date of ROLL (the demo page says how).
    """
    desk = users[DESK_EMAIL]
    for email, (identifier, born) in ROLL.items():
        user = users.get(email)
        district_id = user.district_id if user else None
        add_in_person(
            actor=desk, edition=edition, identifier=identifier, birth_date=born, district_id=district_id
        )
        if user is not None and email in LINKED:
            link_with_identifier(actor=user, edition=edition, identifier=identifier, birth_date=born)
    for n in range(1, VOTERS + 1):
        email = f"votant{n:02d}@demo.civic.example.org"
        voter = find_live_user_by_email(email) or create_user(
            email=email, display_name=f"Votant {n}", password=password, confirmed=True
        )
        voter.district_id = list(districts.values())[n % len(districts)].id
        identifier = f"SAINT-AUBIN-V{n:03d}"
        add_in_person(
            actor=desk,
            edition=edition,
            identifier=identifier,
            birth_date=VOTER_BIRTH,
            district_id=voter.district_id,
        )
        link_with_identifier(actor=voter, edition=edition, identifier=identifier, birth_date=VOTER_BIRTH)
    db.session.flush()


def _ballots_cast(edition: Edition, pool: VotePool, settings: Settings) -> None:
    """The demo voters vote through the real path (participation, pool), then the mixer seals one batch."""
    rng = random.Random(2026)  # noqa: S311 (demo choices, not a secret)
    projects = list(pool.projects)
    for n in range(1, VOTERS + 1):
        voter = find_live_user_by_email(f"votant{n:02d}@demo.civic.example.org")
        chosen, spent = [], 0
        for project in rng.sample(projects, len(projects)):
            if spent + project.cost_cents <= pool.budget_cents and len(chosen) < 4:
                chosen.append(project)
                spent += project.cost_cents
        reading = filling.Reading(tuple(chosen), None)
        casting.cast_ballots(actor=voter, edition=edition, settings=settings, ballots=[(pool, reading)])
    mixer.mix(edition=edition)
    db.session.flush()


def vote_pool(edition: Edition) -> VotePool | None:
    return db.session.scalar(select(VotePool).where(VotePool.edition_id == edition.id))


def _edition(districts: dict[str, District]) -> Edition:
    now = utcnow()
    edition = Edition(
        slug=SLUG,
        name="Budget participatif 2026 – vote ouvert",
        year=2026,
        envelope_cents=ENVELOPE_EUROS * 100,
        population=22_000,
        investment_budget_cents=4_200_000_00,
        mode=EditionMode.RESIDENTS_SUBMIT,
        published=True,
        description=(
            "Le vote est ouvert : chaque habitante et habitant inscrit sur la liste électorale choisit les projets "
            "qu'il veut voir réalisés, tant que leur coût total tient dans l'enveloppe de 60 000 €."
        ),
        rules_text=(
            "Un vote par personne, en ligne ou en mairie. Les projets sont départagés par la méthode des parts "
            "égales. Le bulletin est secret : le registre des votants et l'urne ne sont jamais reliés."
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
    start = now - timedelta(days=42 + 21 + 45 + 3)  # the vote opened three days ago
    for kind in PHASE_ORDER:
        end = start + timedelta(days=durations[kind])
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=end))
        start = end
    for district in districts.values():
        edition.districts.append(EditionDistrict(district=district, envelope_cents=12_000_00))
    db.session.add(edition)
    db.session.flush()
    return edition
