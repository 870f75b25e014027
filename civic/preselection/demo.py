"""The demo's pre-selection: one more published edition whose supports are open now (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.accounts.models import User
from civic.core.time import utcnow
from civic.extensions import db
from civic.preselection.models import Support, SupportRule
from civic.preselection.rules import ThresholdKind, TieRule, WithdrawalPolicy
from civic.processes.models import District, Edition, EditionDistrict, EditionMode, Phase, Theme
from civic.processes.phases import PHASE_ORDER, PhaseKind
from civic.proposals.models import Channel, Proposal, ProposalStatus, ProposalVersion, StatusChange

SLUG = "budget-participatif-quartiers-2026"

# (title, summary, district or None for the whole town, cost in euros, author's e-mail)
PROJECTS = [
    (
        "Jardin partagé du square Jaurès",
        "Des bacs potagers, un composteur et un abri à outils ouverts à tous.",
        "Centre-bourg",
        9_000,
        "camille",
    ),
    (
        "Boîtes à livres près des écoles",
        "Trois boîtes à livres en bois, fabriquées avec le collège.",
        "Centre-bourg",
        2_500,
        "yann",
    ),
    (
        "Éclairage solaire du chemin de la gare",
        "Des lampadaires solaires sur les 600 m du chemin piéton.",
        "Centre-bourg",
        18_000,
        "nadia",
    ),
    (
        "Aire de jeux inclusive des Tilleuls",
        "Des jeux accessibles aux enfants en fauteuil et un sol souple.",
        "Les Tilleuls",
        16_000,
        "yann",
    ),
    (
        "Bancs et ombre place des Tilleuls",
        "Six bancs et quatre arbres pour s'asseoir à l'ombre l'été.",
        "Les Tilleuls",
        7_000,
        "louis",
    ),
    (
        "Abri vélos sécurisé du port",
        "Un abri fermé de 20 places pour les vélos près de la cale.",
        "Port-Neuf",
        11_000,
        "nadia",
    ),
    (
        "Fresque participative du quai",
        "Une fresque peinte avec les habitants sur le mur de la criée.",
        "Port-Neuf",
        5_000,
        "ines",
    ),
    (
        "Fontaines à eau dans toute la ville",
        "Cinq fontaines d'eau potable dans les parcs et sur le marché.",
        None,
        14_000,
        "camille",
    ),
]

# Who supports what (demo residents support in their own district, and the town-wide project).
SUPPORTS = {
    "camille": [0, 1, 7],
    "yann": [3, 4],
    "nadia": [5, 6, 7],
    "louis": [7],
    "ines": [7],
}


def seed_preselection(districts: dict[str, District]) -> None:
    """Create the edition in its pre-selection phase, its rule, ~8 proposals and the residents' supports."""
    if db.session.scalar(select(Edition.id).where(Edition.slug == SLUG)) is not None:
        return
    users = {
        u.email.split("@")[0]: u
        for u in db.session.scalars(select(User).where(User.email.like("%@demo.civic.example.org")))
        if u.email
    }
    now = utcnow()
    edition = Edition(
        slug=SLUG,
        name="Budget participatif des quartiers 2026",
        year=2026,
        envelope_cents=60_000_00,
        population=22_000,
        investment_budget_cents=4_200_000_00,
        mode=EditionMode.RESIDENTS_SUBMIT,
        published=True,
        description=(
            "Les projets des quartiers sont déposés : soutenez ceux que vous voulez voir au vote. "
            "Chaque habitante et habitant dispose de 3 soutiens pour les projets de son quartier "
            "et ceux de toute la commune."
        ),
        rules_text="Un projet qui recueille au moins 2 soutiens passe à l'analyse technique.",
    )
    for name in ("Centre-bourg", "Les Tilleuls", "Port-Neuf"):
        edition.districts.append(EditionDistrict(district=districts[name], envelope_cents=20_000_00))
    edition.themes.append(Theme(name="Vivre ensemble"))
    start = now - timedelta(days=35)
    durations = {PhaseKind.SUBMISSION: 28, PhaseKind.PRESELECTION: 21}
    for kind in PHASE_ORDER:
        end = start + timedelta(days=durations.get(kind, 30))
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=end))
        start = end
    db.session.add(edition)
    db.session.flush()
    db.session.add(
        SupportRule(
            edition_id=edition.id,
            district_id=None,
            per_person_cap=3,
            threshold_kind=ThresholdKind.ABSOLUTE,
            threshold_value=2,
            guaranteed_minimum=1,
            withdrawal=WithdrawalPolicy.ALWAYS,
            tie_rule=TieRule.ALL_TIED,
            eligible_only=True,
        )
    )
    proposals = []
    for i, (title, summary, district, euros, author) in enumerate(PROJECTS):
        user = users.get(author)
        proposal = Proposal(
            edition_id=edition.id,
            reference=f"pending-presel-{i}",
            author_id=user.id if user else None,
            channel=Channel.ONLINE if user else Channel.IN_PERSON,
            status=ProposalStatus.SUBMITTED,
            title=title,
            summary=summary,
            description=summary,
            district_id=districts[district].id if district else None,
            estimated_cost_cents=euros * 100,
            submitted_at=now - timedelta(days=30 - i),
        )
        proposal.versions.append(
            ProposalVersion(
                number=1, title=title, summary=summary, description=summary, estimated_cost_cents=euros * 100
            )
        )
        proposal.status_changes.append(
            StatusChange(status=ProposalStatus.SUBMITTED, at=proposal.submitted_at)
        )
        db.session.add(proposal)
        db.session.flush()
        proposal.reference = f"BP{edition.year}-{proposal.id:05d}"
        proposals.append(proposal)
    for author, indexes in SUPPORTS.items():
        user = users.get(author)
        if user is None:
            continue
        for index in indexes:
            proposal = proposals[index]
            db.session.add(
                Support(
                    proposal_id=proposal.id,
                    edition_id=edition.id,
                    district_id=proposal.district_id,
                    supporter_key=f"u:{user.id}",
                    user_id=user.id,
                    channel=Channel.ONLINE,
                    created_at=now - timedelta(days=3),
                )
            )
    db.session.flush()
