"""The demo town's appel à communs: "Se déplacer autrement à Saint-Aubin", after the mobility commons of the
Fabrique des Mobilités, with one project funded, one still lacking time and money, one cancelled and refunded;
a round with a city pool, a foundation pool and matching funds; delegations; time pledged, delivered and pending.

Everything goes through the services the pages use, so the demo's ledger is a real one (``civic ledger
check`` and ``bean-check`` pass on it). Idempotent: nothing is added when the call exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.services import find_live_user_by_email
from civic.commons import delegation as delegations
from civic.commons import needs, services
from civic.commons.ledger_rules import BudgetLine, Unit
from civic.commons.models import CommonsCall, CommonsNeed, LedgerAccount
from civic.core.time import local_today
from civic.extensions import db

SLUG = "se-deplacer-autrement-a-saint-aubin"
DOMAIN = "@demo.civic.example.org"


def _user(local: str) -> User:
    user = find_live_user_by_email(local + DOMAIN)
    assert user is not None, f"the demo account {local}{DOMAIN} is seeded first"
    return user


def seed_commons_demo() -> CommonsCall | None:
    """Create the demo call and its round (once)."""
    if db.session.scalar(select(CommonsCall).where(CommonsCall.slug == SLUG)) is not None:
        return None
    organiser, funder = _user("communs"), _user("financeur")
    camille, yann, nadia, louis, ines = (
        _user(name) for name in ("camille", "yann", "nadia", "louis", "ines")
    )
    today = local_today()
    call = services.create_call(
        actor=organiser,
        data=services.CallInput(
            title="Se déplacer autrement à Saint-Aubin",
            problem=(
                "Les trois quarts des trajets de moins de 3 km se font en voiture dans la commune. Les hameaux "
                "sont mal desservis le soir, et les pistes cyclables s'arrêtent avant les écoles."
            ),
            solution_traits=(
                "Des solutions peu coûteuses à entretenir, sans émissions supplémentaires, utilisables par les "
                "enfants comme par les personnes âgées, et reproductibles par d'autres communes."
            ),
            territory="Saint-Aubin-des-Communs et ses cinq quartiers, de Centre-bourg à Kervenec.",
            code_licence="EUPL-1.2",
            data_licence="ODbL-1.0",
            content_licence="CC-BY-SA-4.0",
            hardware_licence="CERN-OHL-S-2.0",
            community_rules=(
                "Chaque projet documente ce qu'il fait sur le wiki commun, accueille les nouveaux contributeurs "
                "et publie ses données ouvertes."
            ),
            governance_rules="Les décisions d'un commun se prennent en assemblée ouverte de ses contributeurs.",
            opens_on=today - timedelta(days=30),
            closes_on=today + timedelta(days=45),
            member_project_cap=150_00,
            allows_delegation=True,
            delegate_cap=200_00,
            match_percent=50,
            match_contribution_cap=20_00,
            match_member_cap=60_00,
            match_project_cap=300_00,
            themes="Vélo\nCartographie\nTransport solidaire",
        ),
    )
    services.publish_call(actor=organiser, call=call)

    def project(
        holder: User,
        title: str,
        summary: str,
        lines: list[BudgetLine],
        wants: list[services.NeedInput],
        theme: str,
    ):
        return services.start_project(
            actor=holder,
            call=call,
            data=services.ProjectInput(
                title=title,
                summary=summary,
                team=f"{holder.display_name} et des voisins bénévoles",
                ways_of_acting="Des permanences ouvertes chaque semaine, et tout est documenté sur le wiki.",
                partners="La médiathèque, l'association des parents d'élèves",
                governance="Assemblée mensuelle ouverte",
                commons_rules="Tout ce qui est produit est publié sous les licences de l'appel.",
                citizen_involvement="Chacun peut venir aider, apprendre ou proposer.",
                animation="Une lettre mensuelle et un atelier de lancement.",
                lines=lines,
                needs=wants,
                theme=theme,
            ),
        )

    workshop = project(
        yann,
        "Atelier vélo partagé des Tilleuls",
        "Un atelier où chacun apprend à réparer son vélo, avec des outils en commun et des vélos remis en état "
        "prêtés aux élèves.",
        [BudgetLine("Outils et pièces", 400_00, 500_00), BudgetLine("Aménagement du local", 200_00, 250_00)],
        [
            services.NeedInput("mécanique vélo", Unit.MINUTES, 20 * 60, 2),
            services.NeedInput("prêt d'un local le samedi matin", Unit.ITEMS, 1, None),
        ],
        "Vélo",
    )
    routes = project(
        nadia,
        "Carte ouverte des itinéraires cyclables",
        "Relever les itinéraires sûrs vers les écoles et publier une carte ouverte, imprimée et en ligne.",
        [
            BudgetLine("Relevés de terrain", 800_00, 1_500_00),
            BudgetLine("Développement de la carte", 1_000_00, 2_000_00),
        ],
        [
            services.NeedInput("design de la carte", Unit.MINUTES, 30 * 60, 3),
            services.NeedInput("animation d'ateliers de relevé", Unit.MINUTES, 10 * 60, 1),
        ],
        "Cartographie",
    )
    shuttle = project(
        louis,
        "Navette solidaire de Kervenec",
        "Une navette de bénévoles le soir entre Kervenec et le centre-bourg.",
        [BudgetLine("Assurance et carburant", 1_500_00, 2_500_00)],
        [],
        "Transport solidaire",
    )

    services.fund(
        actor=organiser, call=call, amount=3_000_00, funder_name="Ville de Saint-Aubin-des-Communs", key=None
    )
    services.fund(actor=funder, call=call, amount=1_500_00, funder_name="Fondation du Littoral", key=None)
    services.fund(
        actor=funder, call=call, amount=400_00, funder_name="Fondation du Littoral", key=None, matching=True
    )
    residents = [camille, yann, nadia, louis, ines]
    for resident in residents:
        services.join(actor=resident, call=call)
    services.allocate(actor=organiser, call=call, allocations=[(r, 300_00) for r in residents], key=None)

    # Inès trusts Camille with 100 €; Camille hands 40 € of it on to Nadia for the map only.
    from_ines = services.delegate(
        actor=ines,
        call=call,
        delegate_id=camille.id,
        amount=100_00,
        parent_id=None,
        project_id=None,
        key=None,
    )
    via_camille = services.delegate(
        actor=camille,
        call=call,
        delegate_id=nadia.id,
        amount=40_00,
        parent_id=from_ines.id,
        project_id=routes.id,
        key=None,
    )

    def give(person: User, target, amount: int, delegation_id: int | None = None) -> None:
        services.contribute(
            actor=person, call=call, project=target, amount=amount, key=None, delegation_id=delegation_id
        )

    # The workshop reaches its maximum (contributions and their matching funds): funded at once.
    for person in (camille, nadia, louis, yann):
        give(person, workshop, 150_00)
    funding = db.session.get(LedgerAccount, workshop.funding_account_id, populate_existing=True)
    assert funding is not None
    rest = workshop.maximum - funding.balance - funding.pending_in
    # What, with its matching funds (half, at most 20 €), lands exactly on the maximum.
    give(camille, workshop, rest - 20_00 if rest >= 60_00 else -(-rest * 2 // 3), from_ines.id)
    # The map still lacks money and time.
    give(nadia, routes, 40_00, via_camille.id)
    give(camille, routes, 80_00)
    give(ines, routes, 100_00)
    # The shuttle found no insurer: cancelled, and every contribution went back.
    give(yann, shuttle, 100_00)
    give(ines, shuttle, 50_00)
    services.cancel_project(actor=organiser, call=call, project=shuttle)
    # Delegation revoked: what Camille had not given of Inès's 100 € goes back to Inès. Louis's stands, and
    # Yann trusts Nadia with 30 € for the maps theme.
    services.revoke(actor=ines, call=call, delegation_id=from_ines.id)
    services.delegate(
        actor=louis,
        call=call,
        delegate_id=camille.id,
        amount=50_00,
        parent_id=None,
        project_id=None,
        key=None,
    )
    services.delegate(
        actor=yann,
        call=call,
        delegate_id=nadia.id,
        amount=30_00,
        parent_id=None,
        project_id=None,
        theme="Cartographie",
        key=None,
    )

    need = {n.label: n for n in db.session.scalars(select(CommonsNeed).order_by(CommonsNeed.id))}
    mechanics = services.pledge(actor=camille, call=call, need=need["mécanique vélo"], quantity=12 * 60)
    services.deliver(actor=yann, pending_id=mechanics.id, quantity=None)
    services.pledge(actor=louis, call=call, need=need["mécanique vélo"], quantity=4 * 60)
    room = services.pledge(actor=ines, call=call, need=need["prêt d'un local le samedi matin"], quantity=1)
    services.deliver(actor=yann, pending_id=room.id, quantity=None)
    design = services.pledge(actor=yann, call=call, need=need["design de la carte"], quantity=10 * 60)
    services.deliver(actor=nadia, pending_id=design.id, quantity=6 * 60)  # partly: 6 h of the 10 pledged
    services.pledge(actor=camille, call=call, need=need["design de la carte"], quantity=8 * 60)
    # The map also runs a crowdfunding campaign beside the co-budget: two payments recorded so far.
    campaign = services.start_campaign(
        actor=nadia, call=call, project=routes, target=1_200_00, closes_on=today + timedelta(days=40)
    )
    services.back_campaign(
        actor=organiser,
        call=call,
        campaign=campaign,
        amount=250_00,
        backer="Vélocistes de la Garenne",
        key=None,
    )
    services.back_campaign(actor=organiser, call=call, campaign=campaign, amount=40_00, backer="", key=None)
    for follower in (camille, louis):
        services.follow(user=follower, project=routes, on=True)
    assert needs.state_of(need["mécanique vélo"]).lacking == 4 * 60
    assert delegations.held_by(services.round_of(call), camille.id) == 50_00  # what Louis delegated
    db.session.flush()
    return call
