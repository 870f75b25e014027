"""The demo town's participatory budgets: a current edition open for submissions and a past one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from civic.accounts.models import User
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import District, Edition, EditionDistrict, EditionMode, Phase, Theme
from civic.processes.phases import PHASE_ORDER, PhaseKind
from civic.proposals.models import (
    Channel,
    Comment,
    InPersonContact,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    StatusChange,
)

THEMES = ["Nature en ville", "Mobilités", "Vivre ensemble", "Sport et loisirs", "Culture"]


@dataclass(frozen=True)
class DemoProposal:
    title: str
    summary: str
    description: str
    district: str | None
    theme: str
    cost_euros: int
    author: str | None
    status: ProposalStatus = ProposalStatus.SUBMITTED
    reason: str = ""
    address: str | None = None


CURRENT = [
    DemoProposal(
        "Signalétique des pistes cyclables du centre",
        "Des panneaux clairs et un marquage au sol pour relier la gare, les écoles et le marché à vélo.",
        "Aujourd'hui les pistes s'arrêtent sans prévenir.\n\n- panneaux directionnels aux 12 carrefours\n"
        "- marquage au sol des double-sens cyclables\n- un plan du réseau à la gare",
        "Centre-bourg",
        "Mobilités",
        12_000,
        "camille@demo.civic.example.org",
        address="Place de la Gare",
    ),
    DemoProposal(
        "Sentier intergénérationnel de la Garenne",
        "Un sentier de 2 km avec bancs, agrès doux et panneaux sur la faune, pensé avec l'EHPAD et les écoles.",
        "Le sentier relierait l'EHPAD des Chênes à l'école de la Garenne. Des **bancs tous les 200 m**, "
        "des agrès adaptés aux aînés et aux enfants, et des panneaux réalisés par les élèves.",
        "La Garenne",
        "Vivre ensemble",
        35_000,
        "louis@demo.civic.example.org",
    ),
    DemoProposal(
        "Aire de jeux inclusive au parc des Tilleuls",
        "Des jeux accessibles aux enfants en fauteuil et un sol souple, à côté de l'aire existante.",
        "Balançoire nid, tourniquet au ras du sol, panneau sensoriel, sol souple continu et bancs à l'ombre.",
        "Les Tilleuls",
        "Sport et loisirs",
        60_000,
        "yann@demo.civic.example.org",
    ),
    DemoProposal(
        "Jardin partagé de Kervenec",
        "Des bacs potagers, un composteur collectif et un abri à outils au pied des immeubles.",
        "Une vingtaine de bacs, dont quatre surélevés pour les personnes à mobilité réduite, "
        "un composteur et un récupérateur d'eau de pluie.",
        "Kervenec",
        "Nature en ville",
        15_000,
        "ines@demo.civic.example.org",
        address="Rue des Hortensias",
    ),
    DemoProposal(
        "Repair café permanent à la maison des associations",
        "Un atelier équipé, ouvert deux samedis par mois, pour réparer ensemble plutôt que jeter.",
        "Établis, outillage, un poste de soudure électronique et une machine à coudre. "
        "Les bénévoles de l'association Répar'Acteurs animeraient les permanences.",
        "Port-Neuf",
        "Vivre ensemble",
        8_000,
        "nadia@demo.civic.example.org",
    ),
    DemoProposal(
        "Boîtes à livres dans chaque quartier",
        "Cinq boîtes à livres fabriquées par le lycée professionnel, une par quartier.",
        "Fabrication en bois local par la section menuiserie, entretien par les conseils de quartier.",
        None,
        "Culture",
        4_000,
        "camille@demo.civic.example.org",
    ),
    DemoProposal(
        "Bancs et fontaines à eau sur le port",
        "Six bancs et deux fontaines à eau potable le long du quai pour les promeneurs.",
        "Le quai est très fréquenté l'été mais on ne peut ni s'asseoir ni boire.",
        "Port-Neuf",
        "Vivre ensemble",
        18_000,
        None,
    ),
    DemoProposal(
        "Éclairage solaire du chemin de l'école",
        "Des lampadaires solaires à détection de présence sur le chemin piéton de l'école de Kervenec.",
        "Le chemin est plongé dans le noir l'hiver à la sortie de l'étude. Dix lampadaires autonomes suffiraient.",
        "Kervenec",
        "Mobilités",
        22_000,
        "ines@demo.civic.example.org",
    ),
]

PAST = [
    DemoProposal(
        "Verger partagé du Centre-bourg",
        "Trente arbres fruitiers en libre cueillette près de la médiathèque.",
        "Pommiers, poiriers et pruniers de variétés locales, plantés avec les écoles.",
        "Centre-bourg",
        "Nature en ville",
        9_000,
        "camille@demo.civic.example.org",
        ProposalStatus.DELIVERED,
    ),
    DemoProposal(
        "Skate-park des Tilleuls",
        "Une rampe et quelques modules pour les jeunes du quartier.",
        "Projet porté par le conseil municipal des jeunes.",
        "Les Tilleuls",
        "Sport et loisirs",
        45_000,
        "yann@demo.civic.example.org",
        ProposalStatus.IN_PROGRESS,
    ),
    DemoProposal(
        "Navette électrique vers la plage",
        "Une navette gratuite l'été entre le bourg et la plage.",
        "Deux allers-retours par heure de juin à septembre.",
        None,
        "Mobilités",
        250_000,
        "louis@demo.civic.example.org",
        ProposalStatus.NOT_FEASIBLE,
        "Le fonctionnement d'une navette est une dépense de fonctionnement : le budget participatif ne "
        "finance que de l'investissement.",
    ),
    DemoProposal(
        "Fresque participative sur le mur du gymnase",
        "Une fresque dessinée avec les habitants.",
        "Encadrée par un collectif d'artistes, sur trois week-ends.",
        "Port-Neuf",
        "Culture",
        12_000,
        "nadia@demo.civic.example.org",
        ProposalStatus.NOT_SELECTED,
        "Le projet a recueilli 212 voix ; l'enveloppe était épuisée par les projets arrivés devant lui.",
    ),
]


def _calendar(edition: Edition, *, submission_start: datetime) -> None:
    durations = {
        PhaseKind.SUBMISSION: 42,
        PhaseKind.PRESELECTION: 21,
        PhaseKind.ANALYSIS: 45,
        PhaseKind.VOTE: 21,
        PhaseKind.RESULTS: 14,
        PhaseKind.REALISATION: 540,
    }
    start = submission_start
    for kind in PHASE_ORDER:
        end = start + timedelta(days=durations[kind])
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=end))
        start = end


def _edition(
    slug: str,
    name: str,
    year: int,
    envelope_euros: int,
    districts: dict[str, District],
    envelopes: dict[str, int],
) -> Edition:
    edition = Edition(
        slug=slug,
        name=name,
        year=year,
        envelope_cents=envelope_euros * 100,
        population=22_000,
        investment_budget_cents=4_200_000_00,
        mode=EditionMode.RESIDENTS_SUBMIT,
        published=True,
        description=(
            "Le budget participatif permet aux habitantes et habitants de Saint-Aubin-des-Communs de proposer "
            "des projets d'investissement pour leur ville, puis de choisir par un vote ceux qui seront réalisés."
        ),
        rules_text=(
            "1. Toute personne habitant la commune, dès 11 ans, peut déposer un projet.\n"
            "2. Les projets doivent relever de l'investissement et des compétences de la commune.\n"
            "3. Les services techniques analysent chaque projet et publient leur avis motivé.\n"
            "4. Chaque votant choisit jusqu'à 5 projets ; un vote par personne, en ligne ou en mairie."
        ),
    )
    for name_, euros in envelopes.items():
        edition.districts.append(EditionDistrict(district=districts[name_], envelope_cents=euros * 100))
    for theme in THEMES:
        edition.themes.append(Theme(name=theme))
    return edition


def _add_proposals(
    edition: Edition,
    items: list[DemoProposal],
    *,
    submitted_at: datetime,
    users: dict[str, User],
    staff: User | None,
) -> None:
    themes = {t.name: t for t in edition.themes}
    districts = {d.district.name: d.district for d in edition.districts}
    for i, item in enumerate(items):
        author = users.get(item.author or "")
        proposal = Proposal(
            edition=edition,
            reference=f"pending-{edition.id}-{i}",
            author_id=author.id if author else None,
            channel=Channel.ONLINE if author else Channel.IN_PERSON,
            recorded_by_id=None if author else (staff.id if staff else None),
            status=item.status,
            title=item.title,
            summary=item.summary,
            description=item.description,
            district_id=districts[item.district].id if item.district else None,
            theme=themes[item.theme],
            estimated_cost_cents=item.cost_euros * 100,
            address=item.address,
            submitted_at=submitted_at + timedelta(days=i),
        )
        proposal.versions.append(
            ProposalVersion(
                number=1,
                title=item.title,
                summary=item.summary,
                description=item.description,
                estimated_cost_cents=item.cost_euros * 100,
            )
        )
        proposal.status_changes.append(
            StatusChange(status=ProposalStatus.SUBMITTED, at=proposal.submitted_at)
        )
        if item.status is not ProposalStatus.SUBMITTED:
            proposal.status_changes.append(
                StatusChange(
                    status=item.status,
                    public_reason=item.reason or None,
                    at=submitted_at + timedelta(days=200),
                )
            )
        if author is None:
            proposal.private_contact = InPersonContact(name="Marcel Le Bihan", contact="02 97 00 00 00")
        db.session.add(proposal)
        db.session.flush()
        proposal.reference = f"BP{edition.year}-{proposal.id:05d}"


def seed_editions(districts: dict[str, District]) -> None:
    """Create the current and the past edition with their proposals and a few comments (idempotent)."""
    if db.session.scalar(select(Edition).where(Edition.slug == "budget-participatif-2026")):
        return
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.is_not(None)))}
    staff = users.get("accueil@demo.civic.example.org")
    now = utcnow()
    envelopes = {
        "Centre-bourg": 20_000,
        "Les Tilleuls": 20_000,
        "Port-Neuf": 20_000,
        "La Garenne": 15_000,
        "Kervenec": 15_000,
    }

    past = _edition(
        "budget-participatif-2025", "Budget participatif 2025", 2025, 90_000, districts, envelopes
    )
    _calendar(past, submission_start=now - timedelta(days=480))
    db.session.add(past)
    db.session.flush()
    _add_proposals(past, PAST, submitted_at=now - timedelta(days=470), users=users, staff=staff)

    current = _edition(
        "budget-participatif-2026", "Budget participatif 2026", 2026, 100_000, districts, envelopes
    )
    _calendar(current, submission_start=now - timedelta(days=14))
    db.session.add(current)
    db.session.flush()
    _add_proposals(current, CURRENT, submitted_at=now - timedelta(days=12), users=users, staff=staff)

    first = db.session.scalar(select(Proposal).where(Proposal.edition_id == current.id).order_by(Proposal.id))
    commenters = [users.get("yann@demo.civic.example.org"), users.get("nadia@demo.civic.example.org")]
    texts = [
        "Très bonne idée, le carrefour de la poste est dangereux à vélo.",
        "Il faudrait aussi penser aux arceaux de stationnement près du marché.",
    ]
    if first is not None:
        for commenter, body in zip(commenters, texts, strict=True):
            if commenter is not None:
                db.session.add(Comment(proposal_id=first.id, author_id=commenter.id, body=body))
                first.comment_count += 1
    db.session.flush()


REAL_ELECTIONS = [
    ("France_Toulouse_2019.pb", "Toulouse – budget participatif 2019 (données réelles)"),
    ("Netherlands_Assen_2024.pb", "Assen 2024 (données réelles, méthode des parts égales)"),
]


def seed_real_elections(admin: User | None) -> None:
    """Import the real pabulib elections shipped in civic/demo_data and publish their official count."""
    from pathlib import Path

    from civic.results.models import TallyRun
    from civic.results.services import execute_run, publish_run, rules_for, start_run
    from civic.tally.pabulib import read
    from civic.voting.pabulib_io import import_pabulib

    if admin is None:
        return
    folder = Path(__file__).resolve().parent / "demo_data"
    for file_name, edition_name in REAL_ELECTIONS:
        if db.session.scalar(select(Edition).where(Edition.name == edition_name)) is not None:
            continue
        pool = import_pabulib(read(folder / file_name), source_name=file_name, edition_ref=edition_name)
        db.session.commit()
        runs = {}
        # Only the rules that can count this vote's kind of ballot (Toulouse has points ballots).
        for rule in [r for r in ("official", "greedy", "mes", "phragmen") if r in rules_for(pool)]:
            run = start_run(actor=admin, pool=pool, rule=rule)
            db.session.commit()
            execute_run(run.id)
            runs[rule] = db.session.get(TallyRun, run.id)
        publish_run(actor=admin, run=runs["official"])
        db.session.commit()
