"""Ballot settings and building through the web: permissions, 422s, freezing, costs, statuses, timeline."""

from __future__ import annotations

import pytest
from flask import Flask, current_app
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.processes.models import EditionDistrict
from civic.proposals import hooks
from civic.proposals.hooks import CostRange
from civic.proposals.models import Proposal, ProposalStatus
from civic.proposals.services import change_status
from civic.voting import ballot as services
from civic.voting.ballot_rules import BallotFormat, BallotScope, Settings
from civic.voting.models import BallotSettings, VotePool
from tests.conftest import csrf_token
from tests.factories import create_district, create_edition, create_proposal, create_user

DISTRICT_ENVELOPE = 50_000_00


def feasible(edition, district, *, title: str, cost: int | None) -> Proposal:
    """A proposal put into "feasible" as the analysis would."""
    proposal = create_proposal(edition=edition, district=district, title=title)
    proposal.estimated_cost_cents = cost
    change_status(actor=None, proposal=proposal, status=ProposalStatus.FEASIBLE)
    db.session.commit()
    return proposal


@pytest.fixture
def setup(app: Flask):
    nord, sud = create_district(name="Nord"), create_district(name="Sud")
    edition = create_edition(districts=[nord, sud], open_phase="analysis")
    for share in edition.districts:
        share.envelope_cents = DISTRICT_ENVELOPE
    db.session.commit()
    return edition, nord, sud


@pytest.fixture
def cost_hook(app: Flask):
    """Register a fake analysed-cost source (the analysis package's role), keyed by proposal id."""
    published: dict[int, CostRange] = {}

    def source(proposals):
        return {p.id: published[p.id] for p in proposals if p.id in published}

    # The client's app answers requests; test code runs in its twin (tests/conftest.py): both get the source.
    registries = [hooks.proposal_hooks(app), hooks.proposal_hooks(current_app)]
    for registry in registries:
        registry.cost_ranges.append(source)
    yield published
    for registry in registries:
        registry.cost_ranges.remove(source)


def save(edition, **kwargs) -> None:
    admin = create_user(roles=(Role.ADMIN,))
    services.save_settings(actor=admin, edition=edition, settings=Settings(**kwargs))
    db.session.commit()


def post_settings(client, edition, **data):
    url = f"/staff/editions/{edition.slug}/ballot/settings"
    form = {
        "csrf_token": csrf_token(client, url),
        "ballot_format": "approval",
        "counting_rule": "greedy",
        "scope": "per_district",
        "districts_per_voter": "own",
        **data,
    }
    return client.post(url, data=form)


# --- settings ---------------------------------------------------------------------------------------


def test_admin_saves_toulouse_settings_and_they_are_audited(client, login_as, setup) -> None:
    edition, *_ = setup
    admin = login_as(Role.ADMIN)
    response = post_settings(
        client,
        edition,
        ballot_format="cumulative",
        total_points="7",
        max_points_per_project="3",
        min_choices="9",
    )
    assert response.status_code == 303
    db.session.expire_all()
    row = db.session.get(BallotSettings, edition.id)
    assert (row.ballot_format, row.total_points, row.max_points_per_project) == (
        BallotFormat.CUMULATIVE,
        7,
        3,
    )
    assert row.min_choices is None  # limits of other formats are not kept
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voting.ballot_settings"))
    assert entry.actor_id == admin.id and entry.after["total_points"] == 7


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"ballot_format": "k_approval", "min_choices": "5", "max_choices": "3"},
            "max_choices",
            "minimum cannot be above",
        ),
        (
            {"ballot_format": "cumulative", "total_points": "3", "max_points_per_project": "7"},
            "max_points_per_project",
            "cannot be more than",
        ),
        ({"ballot_format": "ranking", "ranking_length": "abc"}, "ranking_length", "whole number"),
        ({"ballot_format": "ranking", "ranking_length": "-4"}, "ranking_length", "between 1 and"),
        (
            {"ballot_format": "ranking", "ranking_length": "99999999999999999999999"},
            "ranking_length",
            "too large",
        ),
        ({"ballot_format": "knapsack", "min_spend_percent": "150"}, "min_spend_percent", "between 0 and 100"),
        (
            {
                "ballot_format": "cumulative",
                "counting_rule": "phragmen",
                "total_points": "7",
                "max_points_per_project": "3",
            },
            "counting_rule",
            "greedy",
        ),
        ({"ballot_format": "nonsense"}, "ballot_format", "Not a valid choice"),
    ],
)
def test_bad_settings_are_422_with_the_input_kept(client, login_as, setup, data, field, message) -> None:
    edition, *_ = setup
    login_as(Role.ADMIN, locale="en")
    response = post_settings(client, edition, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'href="#{field}"' in page
    assert message in page
    for value in data.values():
        if value.isdigit() or value.startswith("-") or value == "abc":
            assert f'value="{value}"' in page
    assert db.session.get(BallotSettings, edition.id) is None


def test_french_messages_for_bad_settings(client, login_as, setup) -> None:
    edition, *_ = setup
    login_as(Role.ADMIN, locale="fr")
    response = post_settings(client, edition, ballot_format="k_approval", min_choices="5", max_choices="3")
    assert response.status_code == 422
    assert "Paramètres du bulletin" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.FRONT_DESK, Role.ANALYST, Role.MODERATOR])
def test_only_admins_reach_the_ballot_screens(client, login_as, setup, role) -> None:
    edition, nord, _ = setup
    if role is not None:
        login_as(role)
    for url in ("ballot", "ballot/settings", f"ballot/districts/{nord.id}", "ballot/town"):
        response = client.get(f"/staff/editions/{edition.slug}/{url}")
        assert response.status_code in (302, 403), url


def test_settings_freeze_at_the_first_ballot_refused_and_audited(client, login_as) -> None:
    from tests.factories import create_vote_pool

    pool = create_vote_pool()  # imported from pabulib: it holds ballots
    admin = login_as(Role.ADMIN)
    response = post_settings(client, pool.edition, scope="edition")
    assert response.status_code == 409
    assert db.session.get(BallotSettings, pool.edition_id) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voting.ballot_settings"))
    assert entry.actor_id == admin.id and entry.after["refused"] == "ballots_exist"


# --- building ---------------------------------------------------------------------------------------


def test_building_a_district_ballot_uses_the_analysed_estimate(client, login_as, setup, cost_hook) -> None:
    edition, nord, sud = setup
    save(edition)
    analysed = feasible(edition, nord, title="Jardin partagé", cost=5_000_00)
    cost_hook[analysed.id] = CostRange(10_000_00, 12_000_00, 20_000_00)
    own_guess = feasible(edition, nord, title="Bancs publics", cost=3_000_00)
    other = feasible(edition, sud, title="Fontaine du sud", cost=1_000_00)
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/ballot/districts/{nord.id}"

    page = client.get(url).get_data(as_text=True)
    assert "Jardin partagé" in page and "Bancs publics" in page and "Fontaine du sud" not in page
    assert page.count("checked") == 2
    assert "12,000" in page and "5,000" not in page  # the analysed estimate, never the proposer's
    assert "proposer's estimate (no analysis published)" in page

    token = csrf_token(client, url)
    preview = client.post(
        url, data={"csrf_token": token, "step": "preview", "proposal": [own_guess.id, analysed.id]}
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "15,000" in text and "within the envelope" in text

    built = client.post(
        url, data={"csrf_token": token, "step": "build", "proposal": [own_guess.id, analysed.id]}
    )
    assert built.status_code == 303
    db.session.expire_all()
    pool = db.session.scalar(select(VotePool).where(VotePool.district_id == nord.id))
    assert [(v.proposal_id, v.position, v.cost_cents, v.external_id) for v in pool.projects] == [
        (own_guess.id, 0, 3_000_00, own_guess.reference),
        (analysed.id, 1, 12_000_00, analysed.reference),
    ]
    assert pool.budget_cents == DISTRICT_ENVELOPE and pool.vote_type.value == "approval"
    assert db.session.get(Proposal, analysed.id).status is ProposalStatus.ON_BALLOT
    assert db.session.get(Proposal, other.id).status is ProposalStatus.FEASIBLE
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voting.build_ballot")) is not None


def test_rebuilding_takes_a_project_off_the_ballot(app, setup) -> None:
    edition, nord, _ = setup
    save(edition)
    a = feasible(edition, nord, title="Projet A", cost=1_000_00)
    b = feasible(edition, nord, title="Projet B", cost=2_000_00)
    admin = create_user(roles=(Role.ADMIN,))
    services.build_ballot(actor=admin, edition=edition, district_id=nord.id, proposal_ids=[a.id, b.id])
    db.session.commit()
    pool = services.build_ballot(actor=admin, edition=edition, district_id=nord.id, proposal_ids=[b.id])
    db.session.commit()
    assert [v.proposal_id for v in pool.projects] == [b.id]
    assert (a.status, b.status) == (ProposalStatus.FEASIBLE, ProposalStatus.ON_BALLOT)
    assert [c.status for c in a.status_changes][-2:] == [ProposalStatus.ON_BALLOT, ProposalStatus.FEASIBLE]


def test_rebuilding_after_the_first_ballot_is_refused_and_audited(client, login_as, setup) -> None:
    from civic.voting.models import Ballot, BallotChannel

    edition, nord, _ = setup
    save(edition)
    a = feasible(edition, nord, title="Projet A", cost=1_000_00)
    pool = services.build_ballot(
        actor=create_user(roles=(Role.ADMIN,)), edition=edition, district_id=nord.id, proposal_ids=[a.id]
    )
    db.session.add(Ballot(pool_id=pool.id, channel=BallotChannel.IMPORTED))
    db.session.commit()
    login_as(Role.ADMIN)
    url = f"/staff/editions/{edition.slug}/ballot/districts/{nord.id}"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "step": "build", "proposal": [a.id]}
    )
    assert response.status_code == 409
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "voting.build_ballot")).all()
    assert [e.after.get("refused") for e in entries] == [None, "ballots_exist"]


def test_a_proposal_without_any_cost_cannot_go_on_the_ballot(client, login_as, setup) -> None:
    edition, nord, _ = setup
    save(edition)
    p = feasible(edition, nord, title="Sans coût", cost=None)
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/ballot/districts/{nord.id}"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "step": "build", "proposal": [p.id]}
    )
    assert response.status_code == 422
    assert p.reference in response.get_data(as_text=True)
    assert db.session.scalar(select(VotePool)) is None


def test_tampered_or_empty_selection_is_refused(client, login_as, setup) -> None:
    edition, nord, sud = setup
    save(edition)
    other = feasible(edition, sud, title="Ailleurs", cost=1_000_00)
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/ballot/districts/{nord.id}"
    token = csrf_token(client, url)
    for ids in ([other.id], ["abc"], [], ["9" * 30]):
        response = client.post(url, data={"csrf_token": token, "step": "build", "proposal": ids})
        assert response.status_code == 422, ids
    assert client.post(url, data={"csrf_token": token, "step": "preview"}).status_code == 422
    assert other.status is ProposalStatus.FEASIBLE


def test_building_needs_settings_and_an_envelope(app, setup) -> None:
    from civic.core.errors import ValidationFailed

    edition, nord, _ = setup
    admin = create_user(roles=(Role.ADMIN,))
    a = feasible(edition, nord, title="Projet A", cost=1_000_00)
    with pytest.raises(ValidationFailed):
        services.build_ballot(actor=admin, edition=edition, district_id=nord.id, proposal_ids=[a.id])
    save(edition)
    db.session.scalar(
        select(EditionDistrict).where(EditionDistrict.district_id == nord.id)
    ).envelope_cents = None
    with pytest.raises(ValidationFailed):
        services.build_ballot(actor=admin, edition=edition, district_id=nord.id, proposal_ids=[a.id])


def test_edition_wide_ballot_takes_every_district(app, setup) -> None:
    edition, nord, sud = setup
    save(edition, scope=BallotScope.EDITION)
    a = feasible(edition, nord, title="Projet A", cost=1_000_00)
    b = feasible(edition, sud, title="Projet B", cost=2_000_00)
    pools = services.build_all_ballots(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    db.session.commit()
    assert len(pools) == 1 and pools[0].district_id is None
    assert {v.proposal_id for v in pools[0].projects} == {a.id, b.id}
    assert pools[0].budget_cents == edition.envelope_cents


def test_changing_settings_updates_the_built_ballot(app, setup) -> None:
    edition, nord, _ = setup
    save(edition)
    a = feasible(edition, nord, title="Projet A", cost=1_000_00)
    (pool,) = services.build_all_ballots(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    db.session.commit()
    save(
        edition,
        ballot_format=BallotFormat.CUMULATIVE,
        total_points=7,
        max_points_per_project=3,
        scope=BallotScope.PER_DISTRICT,
    )
    db.session.refresh(pool)
    assert pool.vote_type.value == "cumulative"
    assert dict(pool.meta)["max_points"] == "3" and a.status is ProposalStatus.ON_BALLOT


# --- city list --------------------------------------------------------------------------------------


def test_city_projects_go_straight_onto_the_ballot(client, login_as) -> None:
    nord = create_district(name="Nord")
    edition = create_edition(districts=[nord], mode="city_list", open_phase="analysis")
    edition.districts[0].envelope_cents = DISTRICT_ENVELOPE
    db.session.commit()
    save(edition)
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/ballot/city-projects/new"
    token = csrf_token(client, url)
    data = {
        "csrf_token": token,
        "title": "Piste cyclable",
        "summary": "Une piste le long du canal.",
        "district_id": str(nord.id),
    }
    for cost in ("abc", "-5", "1e9", "99999999999999999"):
        bad = client.post(url, data={**data, "cost": cost})
        assert bad.status_code == 422, cost
        assert "Piste cyclable" in bad.get_data(as_text=True)
    assert client.post(url, data={**data, "cost": "12 500"}).status_code == 303
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Piste cyclable"))
    assert proposal.status is ProposalStatus.ON_BALLOT
    assert [c.status for c in proposal.status_changes] == [ProposalStatus.SUBMITTED, ProposalStatus.ON_BALLOT]
    pool = db.session.scalar(select(VotePool).where(VotePool.district_id == nord.id))
    assert [(v.proposal_id, v.cost_cents) for v in pool.projects] == [(proposal.id, 12_500_00)]


def test_city_project_form_is_only_for_city_list_editions(client, login_as, setup) -> None:
    edition, *_ = setup
    login_as(Role.ADMIN)
    assert client.get(f"/staff/editions/{edition.slug}/ballot/city-projects/new").status_code == 404


# --- public -----------------------------------------------------------------------------------------


def test_public_ballot_lists_projects_costs_format_and_rule(client, setup, cost_hook) -> None:
    edition, nord, _ = setup
    save(edition, ballot_format=BallotFormat.CUMULATIVE, total_points=7, max_points_per_project=3)
    wide = feasible(edition, nord, title="Jardin partagé", cost=1_000_00)
    cost_hook[wide.id] = CostRange(10_000_00, 12_000_00, 20_000_00)
    narrow = feasible(edition, nord, title="Bancs publics", cost=3_000_00)
    services.build_all_ballots(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    db.session.commit()
    page = client.get(f"/editions/{edition.slug}/ballot", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Jardin partagé" in page and "Bancs publics" in page
    assert "analysed range" in page and "Share 7 points" in page and "at most 3 points" in page
    assert "Projects are taken from the most voted to the least" in page
    district_page = client.get(
        f"/editions/{edition.slug}/ballot/districts/{nord.id}", headers={"Accept-Language": "fr"}
    )
    assert district_page.status_code == 200 and "Bancs publics" in district_page.get_data(as_text=True)
    edition_page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert f"/editions/{edition.slug}/ballot/districts/{nord.id}" in edition_page
    assert narrow.id


def test_public_order_is_random_per_visitor_and_stable_for_one(app, setup) -> None:
    edition, nord, _ = setup
    save(edition)
    titles = [f"Projet numéro {i:02d}" for i in range(12)]
    for title in titles:
        feasible(edition, nord, title=title, cost=1_000_00)
    services.build_all_ballots(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    db.session.commit()

    def order(client) -> list[str]:
        page = client.get(f"/editions/{edition.slug}/ballot").get_data(as_text=True)
        return sorted(titles, key=page.index)

    first = app.test_client()
    orders = {tuple(order(app.test_client())) for _ in range(4)}
    assert order(first) == order(first)
    assert len(orders) > 1


def test_timeline_says_which_ballot_and_at_what_cost(client, setup) -> None:
    edition, nord, _ = setup
    save(edition)
    a = feasible(edition, nord, title="Projet A", cost=1_234_00)
    services.build_all_ballots(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    db.session.commit()
    page = client.get(f"/proposals/{a.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "On the ballot of Nord at" in page and "1,234" in page


def test_htmx_settings_form_comes_back_as_its_fragment_or_redirects(client, login_as, setup) -> None:
    edition, *_ = setup
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/ballot/settings"
    data = {
        "csrf_token": csrf_token(client, url),
        "ballot_format": "ranking",
        "ranking_length": "abc",
        "counting_rule": "greedy",
        "scope": "edition",
        "districts_per_voter": "all",
    }
    bad = client.post(url, data=data, headers={"HX-Request": "true"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "HX-Request" in bad.headers["Vary"]
    assert body.lstrip().startswith('<div id="ballot-settings-form">') and 'value="abc"' in body
    good = client.post(url, data={**data, "ranking_length": "5"}, headers={"HX-Request": "true"})
    assert good.status_code == 204 and good.headers["HX-Redirect"].endswith(
        f"/staff/editions/{edition.slug}/ballot"
    )


def test_official_count_of_a_built_ballot_uses_the_chosen_rule(app, setup) -> None:
    from civic.voting.models import Ballot, BallotChannel, BallotChoice
    from civic.voting.services import count_pool

    edition, nord, _ = setup
    save(edition, counting_rule="phragmen")
    ids = [
        feasible(edition, nord, title=f"Projet {c}", cost=cost).id
        for c, cost in (("A", 30_000_00), ("B", 25_000_00), ("C", 20_000_00))
    ]
    (pool,) = services.build_all_ballots(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    by_proposal = {v.proposal_id: v.id for v in pool.projects}
    for chosen in ([ids[0]], [ids[0]], [ids[1], ids[2]], [ids[2]]):
        ballot = Ballot(pool_id=pool.id, channel=BallotChannel.IMPORTED)
        ballot.choices = [
            BallotChoice(vote_pool_project_id=by_proposal[i], position=n) for n, i in enumerate(chosen)
        ]
        db.session.add(ballot)
    db.session.commit()
    assert dict(pool.meta)["rule"] == "unknown"  # pabulib names no Phragmén rule
    assert count_pool(pool, "official").selected == count_pool(pool, "phragmen").selected


def test_overview_warns_of_whole_town_projects_no_district_ballot_takes(client, login_as, setup) -> None:
    edition, *_ = setup
    save(edition)
    town_wide = feasible(edition, None, title="Piscine pour toute la ville", cost=9_000_00)
    login_as(Role.ADMIN, locale="en")
    page = client.get(f"/staff/editions/{edition.slug}/ballot").get_data(as_text=True)
    assert "no ballot takes it" in page and town_wide.reference in page
    save(edition, scope=BallotScope.EDITION)
    assert "no ballot takes" not in client.get(f"/staff/editions/{edition.slug}/ballot").get_data(
        as_text=True
    )
