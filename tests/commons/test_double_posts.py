"""A form posted twice does one thing: a pledge of time, a new project. A forged key is refused, not a 500.
And a project page lists the latest gifts, not all of them."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.commons import rounds, services
from civic.commons.models import CommonsNeed, CommonsProject, LedgerJournal, LedgerPending
from civic.extensions import db
from tests.commons.test_pages import _launch, _project_data
from tests.conftest import csrf_token, log_in
from tests.factories import create_user


def _count(model) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _started(app, client):
    organiser = create_user(roles=(Role.ORGANISER,), display_name="Orga")
    call = _launch(client, organiser)
    holder = create_user(display_name="Hélène Porteuse")
    holder_client = app.test_client()
    log_in(holder_client, holder)
    return call, holder, holder_client


def test_the_start_a_project_form_posted_twice_starts_one_project(app, client):
    call, _holder, holder_client = _started(app, client)
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    data = _project_data(token) | {"key": "same-form-twice-000001"}
    first = holder_client.post(f"/commons/{call.slug}/projects/new", data=data)
    second = holder_client.post(f"/commons/{call.slug}/projects/new", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(CommonsProject) == 1
    assert _count(CommonsNeed) == 2  # the first post's needs only
    # Another form (another key) is another project.
    again = holder_client.post(
        f"/commons/{call.slug}/projects/new", data=data | {"key": "a-second-form-0000002"}
    )
    assert again.status_code == 303 and again.headers["Location"] != first.headers["Location"]
    assert _count(CommonsProject) == 2


def test_the_project_form_carries_its_key_and_keeps_it_when_a_row_is_added(app, client):
    call, _holder, holder_client = _started(app, client)
    page = holder_client.get(f"/commons/{call.slug}/projects/new").get_data(as_text=True)
    assert 'name="key"' in page
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    data = _project_data(token) | {"key": "kept-across-rows-00001", "more": "lines"}
    page = holder_client.post(f"/commons/{call.slug}/projects/new", data=data).get_data(as_text=True)
    assert 'value="kept-across-rows-00001"' in page  # the same form, so the same key
    assert _count(CommonsProject) == 0


def test_a_pledge_posted_twice_pledges_once_and_the_same_key_on_another_need_pledges_there(app, client):
    call, _holder, holder_client = _started(app, client)
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    assert (
        holder_client.post(f"/commons/{call.slug}/projects/new", data=_project_data(token)).status_code == 303
    )
    design, room = db.session.scalars(select(CommonsNeed).order_by(CommonsNeed.id)).all()
    member = create_user(display_name="Mina Bénévole")
    member_client = app.test_client()
    log_in(member_client, member)
    project = db.session.scalar(select(CommonsProject))
    page = member_client.get(f"/commons/{call.slug}/projects/{project.id}").get_data(as_text=True)
    assert f'id="pledge-{design.id}-key"' in page and f'id="pledge-{room.id}-key"' in page
    token = csrf_token(member_client, f"/commons/{call.slug}/projects/{project.id}")
    data = {"csrf_token": token, "quantity": "3", "key": "one-page-key-00000001"}
    for _ in range(2):
        response = member_client.post(f"/commons/{call.slug}/needs/{design.id}/pledge", data=data)
        assert response.status_code == 303
    pledges = db.session.scalars(select(LedgerPending).where(LedgerPending.kind == "pledge")).all()
    assert [(p.target_id, p.amount) for p in pledges] == [(design.account_id, 3 * 60)]
    # The forms of one page share their key; each need's pledge is its own.
    response = member_client.post(
        f"/commons/{call.slug}/needs/{room.id}/pledge", data=data | {"quantity": "1"}
    )
    assert response.status_code == 303
    pledges = db.session.scalars(select(LedgerPending).where(LedgerPending.kind == "pledge")).all()
    assert sorted((p.target_id, p.amount) for p in pledges) == sorted(
        [(design.account_id, 3 * 60), (room.account_id, 1)]
    )


def test_a_forged_key_is_refused_with_nothing_written(app, client):
    call, holder, holder_client = _started(app, client)
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    data = _project_data(token) | {"key": "x" * 200}
    response = holder_client.post(f"/commons/{call.slug}/projects/new", data=data)
    assert response.status_code == 422
    assert "Atelier vélo partagé" in response.get_data(as_text=True)  # what was typed is still there
    assert _count(CommonsProject) == 0
    assert (
        holder_client.post(f"/commons/{call.slug}/projects/new", data=_project_data(token)).status_code == 303
    )
    project = db.session.scalar(select(CommonsProject))
    need = db.session.scalar(select(CommonsNeed).order_by(CommonsNeed.id))
    journals = _count(LedgerJournal)
    forged = {"csrf_token": token, "amount": "5", "key": "y" * 200}
    response = holder_client.post(f"/commons/{call.slug}/projects/{project.id}/contribute", data=forged)
    assert response.status_code == 422
    forged = {"csrf_token": token, "quantity": "2", "key": "z" * 200}
    assert holder_client.post(f"/commons/{call.slug}/needs/{need.id}/pledge", data=forged).status_code == 422
    assert _count(LedgerJournal) == journals and _count(LedgerPending) == 0
    del holder


def test_a_project_page_lists_the_latest_gifts_and_says_how_many_there_are(app, client):
    call, holder, holder_client = _started(app, client)
    token = csrf_token(holder_client, f"/commons/{call.slug}/projects/new")
    assert (
        holder_client.post(f"/commons/{call.slug}/projects/new", data=_project_data(token)).status_code == 303
    )
    project = db.session.scalar(select(CommonsProject))
    organiser = db.session.get(type(holder), call.created_by_id)
    services.fund(actor=organiser, call=call, amount=100_00, funder_name="Ville", key=None)
    givers = [create_user(display_name=f"Donateur {n:02d}") for n in range(23)]
    for person in givers:
        services.join(actor=person, call=call)
    services.allocate(actor=organiser, call=call, allocations=[(p, 1_00) for p in givers], key=None)
    for person in givers:
        rounds.contribute(call.cobudget_round, project, person.id, 1_00)
    db.session.commit()
    visitor = app.test_client()
    page = visitor.get(f"/commons/{call.slug}/projects/{project.id}", headers={"Accept-Language": "en"})
    page = page.get_data(as_text=True)
    assert "Donateur 22" in page and "Donateur 03" in page  # the 20 latest, newest first
    assert "Donateur 02" not in page and "Donateur 00" not in page
    assert "The latest 20 of 23 contributions." in page
    assert f"/commons/{call.slug}/ledger" in page  # every gift is in the public ledger
