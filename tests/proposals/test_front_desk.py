"""Front-desk staff submit on behalf of residents without account; the contact stays private."""

from __future__ import annotations

import json

from sqlalchemy import select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import Channel, InPersonContact, Proposal
from tests.conftest import csrf_token, log_in
from tests.factories import create_edition, create_user

CONTACT_NAME = "Germaine Privée-Lemoine"
CONTACT = "06 12 34 56 78 germaine.privee@example.org"


def _submit(client, edition):
    token = csrf_token(client, f"/front-desk/editions/{edition.slug}/proposals/new")
    return client.post(
        f"/front-desk/editions/{edition.slug}/proposals/new",
        data={
            "csrf_token": token,
            "contact_name": CONTACT_NAME,
            "contact": CONTACT,
            "title": "Banc devant la boulangerie",
            "summary": "Un banc pour se reposer en attendant le bus.",
            "description": "Les personnes âgées attendent debout le bus de 9 h devant la boulangerie.",
        },
    )


def test_front_desk_submission_records_the_channel_and_prints_a_receipt(client, login_as):
    edition = create_edition()
    clerk = login_as(Role.FRONT_DESK)
    response = _submit(client, edition)
    assert response.status_code == 303 and "/receipt" in response.headers["Location"]
    proposal = db.session.scalar(select(Proposal))
    assert (
        proposal.channel is Channel.IN_PERSON
        and proposal.author_id is None
        and proposal.recorded_by_id == clerk.id
    )
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert proposal.reference in receipt and "Banc devant la boulangerie" in receipt
    # Staff see the private contact on the proposal page.
    assert CONTACT_NAME in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_private_contact_never_shown_publicly(app, client, login_as):
    edition = create_edition()
    login_as(Role.FRONT_DESK)
    _submit(client, edition)
    proposal = db.session.scalar(select(Proposal))
    visitors = {"anonymous": app.test_client(), "resident": app.test_client(), "moderator": app.test_client()}
    log_in(visitors["resident"], create_user())
    log_in(visitors["moderator"], create_user(roles=(Role.MODERATOR,)))
    urls = [
        f"/proposals/{proposal.id}",
        f"/editions/{edition.slug}/proposals",
        f"/editions/{edition.slug}",
        f"/proposals/{proposal.id}/history",
        f"/editions/{edition.slug}/proposals?q=banc",
    ]
    for who, visitor in visitors.items():
        for url in urls:
            body = visitor.get(url).get_data(as_text=True)
            assert CONTACT_NAME not in body and "06 12 34" not in body, (who, url)
        # The receipt is a staff page.
        assert visitor.get(f"/front-desk/proposals/{proposal.id}/receipt").status_code in (302, 403)
    # Personal-data export of the clerk does not carry the resident's contact either.
    export = client.get("/account/export").get_data(as_text=True)
    assert CONTACT_NAME not in json.dumps(export)


def test_residents_cannot_use_the_front_desk(client, login_as):
    edition = create_edition()
    login_as()
    assert client.get(f"/front-desk/editions/{edition.slug}/proposals/new").status_code == 403
    assert _submit(client, edition).status_code == 403
    assert db.session.scalar(select(Proposal)) is None


def test_front_desk_also_bound_by_the_calendar(client, login_as):
    edition = create_edition(open_phase="analysis")
    login_as(Role.FRONT_DESK)
    assert _submit(client, edition).status_code == 403


def test_purging_the_editions_personal_data_deletes_contacts(client, login_as):
    from civic.proposals.services import purge_personal_data

    edition = create_edition()
    clerk = login_as(Role.FRONT_DESK)
    _submit(client, edition)
    assert purge_personal_data(actor=clerk, edition=edition) == 1
    db.session.commit()
    assert db.session.scalar(select(InPersonContact)) is None
