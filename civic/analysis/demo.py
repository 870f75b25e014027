"""The demo's edition under technical analysis: reviews in every state, services, a published batch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.accounts.models import User
from civic.analysis import services
from civic.analysis.models import MunicipalService
from civic.analysis.rules import ReasonCode, Verdict
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import District, Edition, EditionDistrict, EditionMode, Phase, Theme
from civic.processes.phases import PHASE_ORDER, PhaseKind
from civic.proposals.models import Channel, Proposal, ProposalStatus, ProposalVersion, StatusChange

SLUG = "budget-participatif-2026-analyse"
MANAGER_EMAIL = "analyses@demo.civic.example.org"
ANALYST_EMAIL = "analyste@demo.civic.example.org"
SERVICES = ["Espaces verts", "Voirie et mobilités", "Bâtiments communaux"]

# (title, district, author e-mail, holders' cost estimate in euros, state, review)
FEASIBLE = services.ReviewInput(
    verdict=Verdict.FEASIBLE,
    public_explanation="Le service des espaces verts peut planter au printemps, sur un terrain communal.",
    cost_low_cents=11_000_00,
    cost_estimate_cents=12_500_00,
    cost_high_cents=15_000_00,
    first_year_cost_cents=13_000_00,
    running_cost_cents=800_00,
    duration_months=5,
    cost_explanation="Plants, terre végétale, arrosage goutte-à-goutte et deux jours d'engin.",
)
WITH_CHANGES = services.ReviewInput(
    verdict=Verdict.FEASIBLE_WITH_CHANGES,
    public_explanation="Faisable à condition de déplacer les agrès hors de la zone inondable.",
    cost_low_cents=18_000_00,
    cost_estimate_cents=21_000_00,
    cost_high_cents=26_000_00,
    duration_months=8,
    cost_explanation="Agrès certifiés, sol amortissant et pose par une entreprise.",
    proposed_changes="Installer les agrès sur la pelouse haute du parc, à 50 m du bord du ruisseau.",
)
NOT_FEASIBLE = services.ReviewInput(
    verdict=Verdict.NOT_FEASIBLE,
    reason_code=ReasonCode.NOT_MUNICIPAL,
    public_explanation="La route de Vannes est une route départementale : la commune ne peut pas y créer de piste.",
)
PROPOSALS = [
    ("Verger partagé derrière la médiathèque", "Centre-bourg", "camille", 10_000, "published", FEASIBLE),
    ("Parcours sportif au parc du Moulin", "Les Tilleuls", "yann", 15_000, "published", WITH_CHANGES),
    ("Piste cyclable sur la route de Vannes", "Port-Neuf", "nadia", 60_000, "published", NOT_FEASIBLE),
    ("Abri vélos couvert à la gare", "Port-Neuf", "louis", 8_000, "validated", FEASIBLE),
    ("Aire de jeux inclusive à Kervenec", "Kervenec", "ines", 30_000, "submitted_reply", WITH_CHANGES),
    ("Fontaine à eau place du marché", "Centre-bourg", "yann", 6_000, "submitted", FEASIBLE),
    ("Boîte à livres au lavoir", "La Garenne", "camille", 1_500, "in_progress", FEASIBLE),
    ("Éclairage solaire du chemin côtier", "Port-Neuf", "nadia", 25_000, "assigned", None),
    ("Jardin pédagogique à l'école des Tilleuls", "Les Tilleuls", "louis", 9_000, "to_assign", None),
    ("Bancs le long du canal", "La Garenne", "ines", 4_000, "to_assign", None),
]


def seed_analysis_demo(districts: dict[str, District]) -> Edition | None:
    """Create the edition under analysis with its reviews (idempotent: nothing when it exists)."""
    if db.session.scalar(select(Edition).where(Edition.slug == SLUG)):
        return None
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.is_not(None)))}
    manager, analyst = users.get(MANAGER_EMAIL), users.get(ANALYST_EMAIL)
    if manager is None or analyst is None:
        return None
    now = utcnow()
    edition = _edition(districts, now=now)
    service_rows = _services(manager)
    for i, (title, district, author, cost, state, data) in enumerate(PROPOSALS):
        holder = users.get(f"{author}@demo.civic.example.org")
        proposal = demo_proposal(edition, i, title, districts[district], holder, cost, now=now)
        review = services.open_review(actor=manager, proposal=proposal)
        if state == "to_assign":
            continue
        services.assign(
            actor=manager,
            review=review,
            service=service_rows[i % len(service_rows)],
            analysts=[analyst],
            due_on=(now + timedelta(days=10 - 4 * i)).date(),
        )
        if state == "assigned" or data is None:
            continue
        services.save_review(actor=analyst, review=review, data=data)
        if state == "in_progress":
            services.add_note(
                actor=analyst, review=review, body="Vérifier avec le service urbanisme (note interne)."
            )
            continue
        # Published and validated reviews were submitted long enough ago for the window to have closed.
        days_ago = 2 if state.startswith("submitted") else 20
        services.submit_review(actor=analyst, review=review, now=now - timedelta(days=days_ago))
        if holder is not None and state in ("submitted_reply", "published", "validated"):
            accepts = data.verdict is Verdict.FEASIBLE_WITH_CHANGES
            services.reply(
                actor=holder,
                review=review,
                body="Merci pour cette analyse : nous sommes d'accord."
                if accepts
                else "Merci pour le travail.",
                accepts_changes=accepts,
                now=now - timedelta(days=days_ago - 1),
            )
        if state in ("validated", "published"):
            services.validate(actor=manager, review=review, now=now)
    db.session.flush()
    batch = [
        r for r in _reviews(edition) if r.proposal.title in {p[0] for p in PROPOSALS if p[4] == "published"}
    ]
    services.publish(actor=manager, reviews=batch, now=now - timedelta(hours=2))
    db.session.flush()
    return edition


def _reviews(edition: Edition) -> list:
    from civic.analysis.models import Review

    return list(db.session.scalars(select(Review).where(Review.edition_id == edition.id).order_by(Review.id)))


def _services(manager: User) -> list[MunicipalService]:
    rows = []
    for name in SERVICES:
        row = db.session.scalar(select(MunicipalService).where(MunicipalService.name == name))
        rows.append(row or services.create_service(actor=manager, name=name))
    return rows


def _edition(districts: dict[str, District], *, now) -> Edition:  # type: ignore[no-untyped-def]
    edition = Edition(
        slug=SLUG,
        name="Budget participatif 2026 – projets en analyse",
        year=2026,
        envelope_cents=120_000_00,
        population=22_000,
        investment_budget_cents=4_200_000_00,
        mode=EditionMode.RESIDENTS_SUBMIT,
        published=True,
        description=(
            "Une édition dont les projets sont en cours d'analyse technique par les services de la commune : "
            "chaque avis est d'abord montré aux porteurs, qui peuvent répondre, puis publié avec son coût."
        ),
        rules_text="Les services analysent chaque projet ; les porteurs disposent de 10 jours pour répondre.",
    )
    durations = {
        PhaseKind.SUBMISSION: 42,
        PhaseKind.PRESELECTION: 21,
        PhaseKind.ANALYSIS: 45,
        PhaseKind.VOTE: 21,
        PhaseKind.RESULTS: 14,
        PhaseKind.REALISATION: 540,
    }
    start = now - timedelta(days=42 + 21 + 20)
    for kind in PHASE_ORDER:
        end = start + timedelta(days=durations[kind])
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=end))
        start = end
    for district in districts.values():
        edition.districts.append(EditionDistrict(district=district, envelope_cents=24_000_00))
    for theme in ("Nature en ville", "Mobilités", "Vivre ensemble"):
        edition.themes.append(Theme(name=theme))
    db.session.add(edition)
    db.session.flush()
    return edition


def demo_proposal(edition, i, title, district, holder, cost, *, now) -> Proposal:  # type: ignore[no-untyped-def]
    """Insert a submitted demo proposal (its first version and status change included); the vote demo uses it too."""
    summary = f"{title} : une proposition d'habitant, analysée par les services de la commune."
    description = (
        f"**{title}.** Le projet répond à une demande du quartier ; il est détaillé en réunion publique."
    )
    submitted_at = now - timedelta(days=70 - i)
    proposal = Proposal(
        edition_id=edition.id,
        reference=f"pending-analysis-{i}",
        author_id=holder.id if holder else None,
        channel=Channel.ONLINE,
        status=ProposalStatus.SUBMITTED,
        title=title,
        summary=summary,
        description=description,
        district_id=district.id,
        estimated_cost_cents=cost * 100,
        submitted_at=submitted_at,
    )
    proposal.versions.append(
        ProposalVersion(
            number=1, title=title, summary=summary, description=description, estimated_cost_cents=cost * 100
        )
    )
    proposal.status_changes.append(StatusChange(status=ProposalStatus.SUBMITTED, at=submitted_at))
    db.session.add(proposal)
    db.session.flush()
    proposal.reference = f"BP{edition.year}-{proposal.id:05d}"
    return proposal
