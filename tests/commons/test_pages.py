"""The appel à communs through real HTTP requests: launch, publish, projects with needs, fund, allocate, give,
pledge and deliver, cancel, close, and the public ledger with its exports."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

from sqlalchemy import select

from civic.accounts.roles import Role
from civic.commons import ledger
from civic.commons.models import CommonsCall, CommonsNeed, CommonsProject, LedgerPending, ProjectState
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.conftest import csrf_token, log_in
from tests.factories import create_user

TODAY = date.today()


def _call_data(token: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "title": "Se déplacer autrement à Saint-Aubin",
        "problem": "Trop de trajets courts se font en voiture.",
        "solution_traits": "Peu coûteux, sans émissions.",
        "territory": "Saint-Aubin et ses hameaux",
        "code_licence": "EUPL-1.2",
        "data_licence": "ODbL-1.0",
        "content_licence": "CC-BY-SA-4.0",
        "hardware_licence": "",
        "community_rules": "Ouverte à toutes et tous.",
        "governance_rules": "Une voix par membre.",
        "opens_on": (TODAY - timedelta(days=1)).isoformat(),
        "closes_on": (TODAY + timedelta(days=30)).isoformat(),
        "member_project_cap": "300",
        "allows_delegation": "y",
    }
    return data | overrides


def _launch(client, organiser) -> CommonsCall:
    log_in(client, organiser)
    token = csrf_token(client, "/commons/new")
    response = client.post("/commons/new", data=_call_data(token))
    assert response.status_code == 303, response.get_data(as_text=True)
    call = db.session.scalar(select(CommonsCall))
    assert call is not None and not call.published
    response = client.post(f"/commons/{call.slug}/publish", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.refresh(call)
    assert call.published
    return call


def _members(call):
    from civic.commons.models import RoundMember

    return db.session.scalars(select(RoundMember).where(RoundMember.round_id == call.round_id)).all()


def _p(prefix: str, data: dict) -> dict:
    """The round's desk has several forms on one page: their inputs are named with a prefix."""
    return {f"{prefix}-{name}": value for name, value in data.items()}


def _project_data(token: str) -> dict[str, str]:
    # What a browser sends: every select has a value, empty rows included.
    selects = {
        f"needs-{i}-{name}": value
        for i in range(4)
        for name, value in (("kind", "time"), ("skill_level", "1"))
    }
    return selects | {
        "csrf_token": token,
        "title": "Atelier vélo partagé",
        "summary": "Un atelier où chacun répare son vélo.",
        "team": "Trois bénévoles",
        "lines-0-label": "Outils",
        "lines-0-minimum": "500",
        "lines-0-maximum": "800",
        "lines-1-label": "Local",
        "lines-1-minimum": "300",
        "lines-1-maximum": "400,50",
        "needs-0-label": "design de l'affiche",
        "needs-0-kind": "time",
        "needs-0-quantity": "20",
        "needs-0-skill_level": "2",
        "needs-1-label": "une salle un soir par semaine",
        "needs-1-kind": "items",
        "needs-1-quantity": "1",
        "needs-1-skill_level": "1",
    }


def test_an_organiser_launches_a_call_that_stays_hidden_until_published(app, client):
    organiser = create_user(roles=(Role.ORGANISER,))
    log_in(client, organiser)
    token = csrf_token(client, "/commons/new")
    assert client.post("/commons/new", data=_call_data(token)).status_code == 303
    call = db.session.scalar(select(CommonsCall))
    assert client.get(f"/commons/{call.slug}").status_code == 200
    resident = app.test_client()
    assert resident.get(f"/commons/{call.slug}").status_code == 404
    assert call.title not in resident.get("/commons").get_data(as_text=True)
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "commons.call_created")) is not None
    )


def test_a_resident_cannot_launch_a_call(client):
    log_in(client, create_user())
    assert client.get("/commons/new").status_code == 403


def test_a_call_closing_before_it_opens_is_refused_with_the_input_kept(client):
    log_in(client, create_user(roles=(Role.ORGANISER,)))
    token = csrf_token(client, "/commons/new")
    data = _call_data(token, closes_on=(TODAY - timedelta(days=5)).isoformat(), problem="Mon texte tapé")
    response = client.post("/commons/new", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Mon texte tapé" in body and 'aria-invalid="true"' in body
    assert db.session.scalar(select(CommonsCall)) is None


def test_the_whole_co_budget_through_the_pages(app, client, outbox):
    organiser = create_user(roles=(Role.ORGANISER,), display_name="Orga")
    call = _launch(client, organiser)
    holder = create_user(display_name="Hélène Porteuse")
    follower = create_user(display_name="Fanny Suiveuse", email="fanny@example.org")
    giver = create_user(display_name="Gaston Donateur", email="gaston@example.org")
    funder = create_user(roles=(Role.FUNDER,), display_name="Fondation")

    # A holder starts a project with money lines and non-money needs.
    holder_client = app.test_client()
    log_in(holder_client, holder)
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    response = holder_client.post(f"/commons/{call.slug}/projects/new", data=_project_data(token))
    assert response.status_code == 303, response.get_data(as_text=True)
    project = db.session.scalar(select(CommonsProject))
    assert (project.minimum, project.maximum) == (800_00, 1200_50)
    design, room = db.session.scalars(select(CommonsNeed).order_by(CommonsNeed.id)).all()
    assert (design.quantity, design.skill_level, room.quantity) == (20 * 60, 2, 1)
    page = holder_client.get(f"/commons/{call.slug}/projects/{project.id}").get_data(as_text=True)
    page = page.replace("\u202f", " ").replace("\xa0", " ")
    assert "20 h" in page and "800 €" in page

    # A funder records money into the pool, publicly; another gift is anonymous.
    funder_client = app.test_client()
    log_in(funder_client, funder)
    token = csrf_token(funder_client, f"/commons/{call.slug}/round")
    data = {"csrf_token": token, "amount": "2 000", "funder_name": "Fondation des Mobilités", "key": "k1"}
    assert funder_client.post(f"/commons/{call.slug}/round/fund", data=_p("fund", data)).status_code == 303
    assert (
        funder_client.post(f"/commons/{call.slug}/round/fund", data=_p("fund", data)).status_code == 303
    )  # double click
    data = {"csrf_token": token, "amount": "100", "anonymous": "y", "key": "k2"}
    assert funder_client.post(f"/commons/{call.slug}/round/fund", data=_p("fund", data)).status_code == 303

    # Members join; the organiser allocates one by one, evenly and by CSV.
    for person in (follower, giver):
        c = app.test_client()
        log_in(c, person)
        t = csrf_token(c, f"/commons/{call.slug}")
        assert c.post(f"/commons/{call.slug}/join", data={"csrf_token": t}).status_code == 303
    token = csrf_token(client, f"/commons/{call.slug}/round")
    response = client.post(
        f"/commons/{call.slug}/round/allocate",
        data=_p("one", {"csrf_token": token, "email": "gaston@example.org", "amount": "200", "key": "a1"}),
    )
    assert response.status_code == 303
    response = client.post(
        f"/commons/{call.slug}/round/allocate-evenly",
        data=_p("evenly", {"csrf_token": token, "amount": "100", "key": "a2"}),
    )
    assert response.status_code == 303
    csv_file = (
        io.BytesIO(b"email;montant\ngaston@example.org;50,50\nfanny@example.org;10\n"),
        "a.csv",
    )
    response = client.post(
        f"/commons/{call.slug}/round/allocate-csv",
        data=_p("csv", {"csrf_token": token, "file": csv_file, "key": "a3"}),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    round_page = client.get(f"/commons/{call.slug}/round").get_data(as_text=True)
    assert "Gaston Donateur" in round_page

    # A follower follows the project (htmx fragment), the giver gives: over the member cap is refused.
    follower_client = app.test_client()
    log_in(follower_client, follower)
    t = csrf_token(follower_client, f"/commons/{call.slug}/projects/{project.id}")
    response = follower_client.post(
        f"/commons/{call.slug}/projects/{project.id}/follow",
        data={"csrf_token": t, "on": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'aria-pressed="true"' in response.get_data(as_text=True)

    giver_client = app.test_client()
    log_in(giver_client, giver)
    t = csrf_token(giver_client, f"/commons/{call.slug}/projects/{project.id}")
    url = f"/commons/{call.slug}/projects/{project.id}/contribute"
    response = giver_client.post(
        url, data={"csrf_token": t, "amount": "301", "key": "c1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "301" in body and 'id="project-' in body  # the fragment, with the typed amount kept
    response = giver_client.post(
        url, data={"csrf_token": t, "amount": "250", "key": "c2"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    response = giver_client.post(url, data={"csrf_token": t, "amount": "nonsense", "key": "c3"})
    assert response.status_code == 422

    # Time: the follower pledges 20 h; the need is covered, followers are told; the holder confirms 15 h.
    t = csrf_token(follower_client, f"/commons/{call.slug}/projects/{project.id}")
    response = follower_client.post(
        f"/commons/{call.slug}/needs/{design.id}/pledge", data={"csrf_token": t, "quantity": "20"}
    )
    assert response.status_code == 303
    assert any(m.template == "commons_need_covered" and m.to == "fanny@example.org" for m in outbox)
    pending = db.session.scalar(select(LedgerPending))
    t = csrf_token(follower_client, f"/commons/{call.slug}/projects/{project.id}")
    response = follower_client.post(
        f"/commons/{call.slug}/pledges/{pending.id}/deliver", data={"csrf_token": t, "quantity": "15"}
    )
    assert response.status_code == 409  # only the holder confirms
    t = csrf_token(holder_client, f"/commons/{call.slug}/projects/{project.id}")
    response = holder_client.post(
        f"/commons/{call.slug}/pledges/{pending.id}/deliver", data={"csrf_token": t, "quantity": "15"}
    )
    assert response.status_code == 303
    page = holder_client.get(f"/commons/{call.slug}/projects/{project.id}").get_data(as_text=True)
    assert "indicative" in page or "indicative" in page.lower() or "indicati" in page

    # The organiser closes the round: 250 € is below the 800 € minimum, so the gift goes back.
    t = csrf_token(client, f"/commons/{call.slug}/round/close")
    response = client.post(f"/commons/{call.slug}/round/close", data={"csrf_token": t})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(CommonsProject, project.id).state is ProjectState.FAILED

    # The public ledger shows it all, to anyone, in HTML, JSON and CSV; the books check.
    anonymous = app.test_client()
    html = anonymous.get(f"/commons/{call.slug}/ledger").get_data(as_text=True)
    assert "Fondation des Mobilités" in html and "Gaston Donateur" in html
    exported = json.loads(
        anonymous.get(f"/commons/{call.slug}/ledger", headers={"Accept": "application/json"}).data
    )
    kinds = [j["kind"] for j in exported["journals"]]
    assert kinds.count("fund") == 2 and "contribute" in kinds and "refund" in kinds and "deliver" in kinds
    anonymous_fund = [j for j in exported["journals"] if j["kind"] == "fund"][1]
    assert anonymous_fund["by"] is None  # the funder who asked to stay anonymous is not named
    for journal in exported["journals"]:
        per_unit: dict[str, int] = {}
        for leg in journal["legs"]:
            per_unit[leg["unit"]] = per_unit.get(leg["unit"], 0) + leg["amount"]
        assert set(per_unit.values()) == {0}, journal
    csv_text = anonymous.get(f"/commons/{call.slug}/ledger.csv").get_data(as_text=True)
    assert csv_text.startswith("journal,kind,at") and "refund" in csv_text
    assert ledger.problems() == []


def test_cancelling_a_project_gives_every_contribution_back(app, client):
    organiser = create_user(roles=(Role.ORGANISER,))
    call = _launch(client, organiser)
    holder = create_user()
    holder_client = app.test_client()
    log_in(holder_client, holder)
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    holder_client.post(f"/commons/{call.slug}/projects/new", data=_project_data(token))
    project = db.session.scalar(select(CommonsProject))
    token = csrf_token(client, f"/commons/{call.slug}/round")
    client.post(
        f"/commons/{call.slug}/round/fund",
        data=_p("fund", {"csrf_token": token, "amount": "500", "funder_name": "Ville"}),
    )
    client.post(
        f"/commons/{call.slug}/round/allocate",
        data=_p("one", {"csrf_token": token, "email": holder.email, "amount": "100"}),
    )
    t = csrf_token(holder_client, f"/commons/{call.slug}/projects/{project.id}")
    holder_client.post(
        f"/commons/{call.slug}/projects/{project.id}/contribute", data={"csrf_token": t, "amount": "60"}
    )
    assert client.get(f"/commons/{call.slug}/projects/{project.id}/cancel").status_code == 200
    response = client.post(f"/commons/{call.slug}/projects/{project.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(CommonsProject, project.id).state is ProjectState.CANCELLED
    round_page = client.get(f"/commons/{call.slug}/round").get_data(as_text=True)
    assert "100" in round_page  # the holder's allocation is whole again
    assert (
        holder_client.post(
            f"/commons/{call.slug}/projects/{project.id}/cancel", data={"csrf_token": t}
        ).status_code
        == 403
    )
    assert ledger.problems() == []


def test_a_csv_with_bad_lines_allocates_nothing_and_says_which(app, client):
    call = _launch(client, create_user(roles=(Role.ORGANISER,)))
    create_user(email="ok@example.org")
    token = csrf_token(client, f"/commons/{call.slug}/round")
    client.post(
        f"/commons/{call.slug}/round/fund",
        data=_p("fund", {"csrf_token": token, "amount": "500", "funder_name": "Ville"}),
    )
    csv_file = (io.BytesIO(b"ok@example.org;10\nnobody@example.org;10\nok@example.org;abc\n"), "a.csv")
    response = client.post(
        f"/commons/{call.slug}/round/allocate-csv",
        data=_p("csv", {"csrf_token": token, "file": csv_file}),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "nobody@example.org" in body and "abc" in body
    assert ledger.journal_count() == 1  # the funding only


def test_a_member_delegates_the_delegate_gives_and_the_trail_names_everyone(app, client):
    call = _launch(client, create_user(roles=(Role.ORGANISER,)))
    anne = create_user(display_name="Anne Origine", email="anne@example.org")
    bruno = create_user(display_name="Bruno Relais", email="bruno@example.org")
    chloe = create_user(display_name="Chloé Déléguée", email="chloe@example.org")
    clients = {}
    for person in (anne, bruno, chloe):
        c = app.test_client()
        log_in(c, person)
        assert (
            c.post(
                f"/commons/{call.slug}/join", data={"csrf_token": csrf_token(c, f"/commons/{call.slug}")}
            ).status_code
            == 303
        )
        clients[person.id] = c
    holder_client = clients[anne.id]
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    holder_client.post(f"/commons/{call.slug}/projects/new", data=_project_data(token))
    project = db.session.scalar(select(CommonsProject))
    token = csrf_token(client, f"/commons/{call.slug}/round")
    client.post(
        f"/commons/{call.slug}/round/fund",
        data=_p("fund", {"csrf_token": token, "amount": "1000", "funder_name": "Ville"}),
    )
    client.post(
        f"/commons/{call.slug}/round/allocate-evenly",
        data=_p("evenly", {"csrf_token": token, "amount": "100"}),
    )

    a = clients[anne.id]
    t = csrf_token(a, f"/commons/{call.slug}")
    response = a.post(
        f"/commons/{call.slug}/delegate",
        data={"csrf_token": t, "delegate": str(bruno.id), "amount": "60", "source": "", "project": ""},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    response = a.post(
        f"/commons/{call.slug}/delegate",
        data={"csrf_token": t, "delegate": str(anne.id), "amount": "1", "source": "", "project": ""},
    )
    body = response.get_data(as_text=True).lower()
    assert response.status_code == 409 and ("yourself" in body or "vous choisir comme délégataire" in body)

    from civic.commons.models import Delegation

    first = db.session.scalar(select(Delegation))
    b = clients[bruno.id]
    t = csrf_token(b, f"/commons/{call.slug}")
    response = b.post(
        f"/commons/{call.slug}/delegate",
        data={
            "csrf_token": t,
            "delegate": str(chloe.id),
            "amount": "40",
            "source": str(first.id),
            "project": str(project.id),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    second = db.session.scalars(select(Delegation).order_by(Delegation.id)).all()[-1]
    c = clients[chloe.id]
    page = c.get(f"/commons/{call.slug}/projects/{project.id}").get_data(as_text=True)
    assert f'value="{second.id}"' in page  # Chloé may give from what was delegated to her
    t = csrf_token(c, f"/commons/{call.slug}/projects/{project.id}")
    response = c.post(
        f"/commons/{call.slug}/projects/{project.id}/contribute",
        data={"csrf_token": t, "amount": "40", "source": str(second.id)},
    )
    assert response.status_code == 303
    trail = app.test_client().get(f"/commons/{call.slug}/projects/{project.id}").get_data(as_text=True)
    assert "Chloé Déléguée" in trail and "Anne Origine" in trail and "Bruno Relais" in trail
    exported = json.loads(app.test_client().get(f"/commons/{call.slug}/ledger.json").data)
    gift = next(j for j in exported["journals"] if j["kind"] == "contribute")
    assert (gift["by"], gift["on_behalf_of"], gift["via"]) == (
        "Chloé Déléguée",
        "Anne Origine",
        ["Bruno Relais"],
    )
    # Anne revokes: what Bruno still holds (20 €) comes back; Chloé's 40 € stay given.
    t = csrf_token(a, f"/commons/{call.slug}")
    assert (
        a.post(f"/commons/{call.slug}/delegations/{first.id}/revoke", data={"csrf_token": t}).status_code
        == 303
    )
    assert "140" not in a.get(f"/commons/{call.slug}").get_data(as_text=True)
    assert ledger.problems() == []


def test_simultaneous_gifts_through_the_pages_answer_303_or_409_and_never_overdraw_nor_overfund(app, client):
    import threading

    call = _launch(client, create_user(roles=(Role.ORGANISER,)))
    holder = create_user()
    holder_client = app.test_client()
    log_in(holder_client, holder)
    data = _project_data(csrf_token(holder_client, f"/commons/{call.slug}/projects/new"))
    data |= {
        "lines-0-minimum": "10",
        "lines-0-maximum": "10",
        "lines-1-label": "",
        "lines-1-minimum": "",
        "lines-1-maximum": "",
    }
    holder_client.post(f"/commons/{call.slug}/projects/new", data=data)
    project = db.session.scalar(select(CommonsProject))
    assert project.maximum == 10_00
    members = [create_user(email=f"m{n}@example.org") for n in range(2)]
    token = csrf_token(client, f"/commons/{call.slug}/round")
    client.post(
        f"/commons/{call.slug}/round/fund",
        data=_p("fund", {"csrf_token": token, "amount": "100", "funder_name": "Ville"}),
    )
    for member in members:
        c = app.test_client()
        log_in(c, member)
        c.post(f"/commons/{call.slug}/join", data={"csrf_token": csrf_token(c, f"/commons/{call.slug}")})
    client.post(
        f"/commons/{call.slug}/round/allocate-evenly", data=_p("evenly", {"csrf_token": token, "amount": "7"})
    )
    clients = []
    for n in range(12):  # six browsers per member, all giving 2 € at the same moment
        c = app.test_client()
        log_in(c, members[n % 2])
        clients.append((c, csrf_token(c, f"/commons/{call.slug}/projects/{project.id}")))
    barrier = threading.Barrier(12)
    statuses: list[int] = [0] * 12

    def give(index: int) -> None:
        c, t = clients[index]
        barrier.wait(timeout=20)
        response = c.post(
            f"/commons/{call.slug}/projects/{project.id}/contribute",
            data={"csrf_token": t, "amount": "2", "key": f"k{index}"},
        )
        statuses[index] = response.status_code

    threads = [threading.Thread(target=give, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {303, 409}, statuses
    # Each 7 € allocation allows three gifts of 2 €, six in all; the project (10 €) takes five.
    assert statuses.count(303) == 5
    db.session.expire_all()
    from civic.commons.models import LedgerAccount

    assert db.session.get(LedgerAccount, project.funding_account_id).balance == 10_00
    assert db.session.get(CommonsProject, project.id).state is ProjectState.FUNDED
    wallets = [
        db.session.get(LedgerAccount, rounds_member.wallet_account_id).balance
        for rounds_member in _members(call)
    ]
    assert min(wallets) >= 0 and sum(wallets) == 14_00 - 10_00
    assert ledger.problems() == []


def test_a_persons_data_export_holds_their_commons_projects_entries_and_pledges(app):
    from civic.accounts.personal_data import collect
    from tests.factories import create_commons_call

    _call, project, _need, _pledge, _campaign, _delegation = create_commons_call(title="Appel export")
    from civic.accounts.models import User

    data = collect(db.session.get(User, project.holder_id))
    assert [p["title"] for p in data["commons_projects"]] == [project.title]
    assert len(data["commons_pledges"]) == 1 and data["commons_followed_projects"] == [
        {"project": project.id}
    ]


def test_crowdfunding_and_staged_selection_through_the_pages(app, client):
    from datetime import date, timedelta

    from civic.commons.models import CampaignState, CrowdfundingCampaign, ProjectStage

    call = _launch(client, create_user(roles=(Role.ORGANISER,)))
    holder = create_user(display_name="Porteuse")
    holder_client = app.test_client()
    log_in(holder_client, holder)
    holder_client.post(
        f"/commons/{call.slug}/projects/new",
        data=_project_data(csrf_token(holder_client, f"/commons/{call.slug}/projects/new")),
    )
    project = db.session.scalar(select(CommonsProject))
    page = f"/commons/{call.slug}/projects/{project.id}"
    t = csrf_token(holder_client, page)
    too_short = (date.today() + timedelta(days=5)).isoformat()
    response = holder_client.post(
        f"{page}/campaign", data={"csrf_token": t, "target": "500", "closes_on": too_short}
    )
    assert response.status_code == 409 and too_short in response.get_data(as_text=True)
    deadline = (date.today() + timedelta(days=40)).isoformat()
    response = holder_client.post(
        f"{page}/campaign", data={"csrf_token": t, "target": "500", "closes_on": deadline}
    )
    assert response.status_code == 303
    campaign = db.session.scalar(select(CrowdfundingCampaign))
    # Only an organiser records payments received; an anonymous backer stays anonymous in the ledger.
    back = f"/commons/{call.slug}/campaigns/{campaign.id}/back"
    assert holder_client.post(back, data=_p("backing", {"csrf_token": t, "amount": "10"})).status_code == 403
    token = csrf_token(client, page)
    response = client.post(
        back, data=_p("backing", {"csrf_token": token, "amount": "200", "backer": "Café du Port"})
    )
    assert response.status_code == 303
    client.post(back, data=_p("backing", {"csrf_token": token, "amount": "300", "backer": ""}))
    body = app.test_client().get(page).get_data(as_text=True)
    assert "Café du Port" in body
    response = client.post(f"/commons/{call.slug}/campaigns/{campaign.id}/close", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(CrowdfundingCampaign, campaign.id).state is CampaignState.SUCCEEDED
    exported = json.loads(app.test_client().get(f"/commons/{call.slug}/ledger.json").data)
    backers = [j["by"] for j in exported["journals"] if j["kind"] == "crowdfund"]
    assert backers == ["Café du Port", None]
    # Staged selection: pre-selected with seed money from the pool, then selected.
    client.post(
        f"/commons/{call.slug}/round/fund",
        data=_p("fund", {"csrf_token": token, "amount": "1000", "funder_name": "Ville"}),
    )
    response = client.post(
        f"/commons/{call.slug}/projects/{project.id}/preselect",
        data={f"seed-{project.id}-csrf_token": token, f"seed-{project.id}-seed": "150"},
    )
    assert response.status_code == 303
    response = client.post(
        f"/commons/{call.slug}/projects/{project.id}/select", data={"csrf_token": token, "selected": "1"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    project = db.session.get(CommonsProject, project.id)
    assert project.stage is ProjectStage.SELECTED
    from civic.commons.models import LedgerAccount

    assert db.session.get(LedgerAccount, project.funding_account_id).balance == 150_00
    assert ledger.problems() == []


def test_add_a_line_brings_the_form_back_with_one_more_row_and_the_typed_text_kept(app, client):
    call = _launch(client, create_user(roles=(Role.ORGANISER,)))
    url = f"/commons/{call.slug}/projects/new"
    data = _project_data(csrf_token(client, url)) | {"more": "lines"}
    response = client.post(url, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="lines-4-label"' in body and "Atelier vélo partagé" in body
    assert db.session.scalar(select(CommonsProject)) is None
    data |= {"lines-4-label": "Affiches", "lines-4-minimum": "10", "lines-4-maximum": "20", "more": ""}
    assert client.post(url, data=data).status_code == 303
    assert db.session.scalar(select(CommonsProject)).maximum == 1200_50 + 20_00
