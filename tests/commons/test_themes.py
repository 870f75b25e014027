"""A call's themes through the pages: the organiser lists them, a project picks one, a member delegates for
one theme, and the delegate can give with it to that theme's projects only."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.roles import Role
from civic.commons import ledger, services
from civic.commons.models import CommonsCall, CommonsProject, Delegation, themes_of
from civic.extensions import db
from tests.commons.test_pages import _call_data, _project_data
from tests.conftest import csrf_token, log_in
from tests.factories import create_user


def test_themes_are_trimmed_deduplicated_and_bounded():
    assert themes_of("  Vélo \n\nCartographie\nvélo\nVélo\n  Transport   à la demande ") == [
        "Vélo",
        "Cartographie",
        "vélo",
        "Transport à la demande",
    ]
    assert themes_of("") == [] and len(themes_of("\n".join(f"t{n}" for n in range(50)))) == 20
    assert themes_of("x" * 300) == ["x" * 80]


def _signed_in(app, user):
    client = app.test_client()
    log_in(client, user)
    return client


def test_a_delegation_for_a_theme_through_the_pages(app, client):
    organiser = create_user(roles=(Role.ORGANISER,), display_name="Orga")
    log_in(client, organiser)
    token = csrf_token(client, "/commons/new")
    data = _call_data(token, themes="Vélo\nCartographie\n\nVélo", member_project_cap="")
    assert client.post("/commons/new", data=data).status_code == 303
    call = db.session.scalar(select(CommonsCall))
    assert call.theme_list == ["Vélo", "Cartographie"]
    assert client.post(f"/commons/{call.slug}/publish", data={"csrf_token": token}).status_code == 303
    page = client.get(f"/commons/{call.slug}").get_data(as_text=True)
    assert "Cartographie" in page

    holder = create_user(display_name="Hélène")
    holder_client = _signed_in(app, holder)
    form_page = holder_client.get(f"/commons/{call.slug}/projects/new").get_data(as_text=True)
    assert 'name="theme"' in form_page and "Cartographie" in form_page
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    forged = _project_data(token) | {"theme": "Pas un thème"}
    response = holder_client.post(f"/commons/{call.slug}/projects/new", data=forged)
    assert response.status_code == 422 and db.session.scalar(select(CommonsProject)) is None
    for title, theme in (("Atelier vélo", "Vélo"), ("Carte des pistes", "Cartographie")):
        data = _project_data(token) | {"title": title, "theme": theme, "key": f"k-{theme}"}
        assert holder_client.post(f"/commons/{call.slug}/projects/new", data=data).status_code == 303
    bikes, maps = db.session.scalars(select(CommonsProject).order_by(CommonsProject.id)).all()
    assert (bikes.theme, maps.theme) == ("Vélo", "Cartographie")

    anne, bruno = create_user(display_name="Anne"), create_user(display_name="Bruno")
    for person in (anne, bruno):
        services.join(actor=person, call=call)
    services.fund(actor=organiser, call=call, amount=500_00, funder_name="Ville", key=None)
    services.allocate(actor=organiser, call=call, allocations=[(anne, 100_00), (bruno, 100_00)], key=None)
    db.session.commit()

    anne_client = _signed_in(app, anne)
    call_page = anne_client.get(f"/commons/{call.slug}").get_data(as_text=True)
    assert 'value="theme-0"' in call_page and 'value="theme-1"' in call_page
    token = csrf_token(anne_client, f"/commons/{call.slug}")
    data = {"csrf_token": token, "delegate": str(bruno.id), "amount": "40", "source": "", "key": "d1"}
    response = anne_client.post(f"/commons/{call.slug}/delegate", data=data | {"project": "theme-7"})
    assert response.status_code == 409 and db.session.scalar(select(Delegation)) is None
    response = anne_client.post(f"/commons/{call.slug}/delegate", data=data | {"project": "theme-0"})
    assert response.status_code == 303
    delegation = db.session.scalar(select(Delegation))
    assert (delegation.theme, delegation.project_id) == ("Vélo", None)
    page = anne_client.get(f"/commons/{call.slug}").get_data(as_text=True).replace("\u202f", " ")
    assert "Vélo" in page

    # Bruno may give with it to the cycling project, and is not offered it on the map's page.
    bruno_client = _signed_in(app, bruno)
    bikes_page = bruno_client.get(f"/commons/{call.slug}/projects/{bikes.id}").get_data(as_text=True)
    assert 'name="source"' in bikes_page and f'<option value="{delegation.id}">' in bikes_page
    maps_page = bruno_client.get(f"/commons/{call.slug}/projects/{maps.id}").get_data(as_text=True)
    assert 'name="source"' not in maps_page  # only his own allocation: no choice to offer
    token = csrf_token(bruno_client, f"/commons/{call.slug}/projects/{bikes.id}")
    gift = {"csrf_token": token, "amount": "15", "source": str(delegation.id)}
    response = bruno_client.post(
        f"/commons/{call.slug}/projects/{bikes.id}/contribute", data=gift | {"key": "g1"}
    )
    assert response.status_code == 303
    journals = ledger.journal_count()
    response = bruno_client.post(
        f"/commons/{call.slug}/projects/{maps.id}/contribute",
        data=gift | {"key": "g2"},
    )
    assert response.status_code == 409
    # In Bruno's language (his account's, French): the reason of the refusal.
    assert "Cette délégation est réservée à un autre projet ou à un autre thème." in response.get_data(
        as_text=True
    )
    assert ledger.journal_count() == journals
    assert ledger.problems() == []
