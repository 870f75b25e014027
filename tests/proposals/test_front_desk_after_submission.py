"""Front desk after the submission: the receipt's address and QR code, its real channel, finding a
proposal by its reference, and staff correcting or withdrawing what they entered (audited)."""

from __future__ import annotations

import re

import pytest
import segno
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.proposals.models import InPersonContact, Proposal, ProposalStatus
from tests.conftest import csrf_token
from tests.factories import create_edition, create_proposal, create_user

CONTACT_NAME = "Germaine Privée-Lemoine"


def _in_person(edition=None, *, reference: str | None = None, title: str = "Banc devant la boulangerie"):
    proposal = create_proposal(edition=edition or create_edition(), channel="in_person", title=title)
    proposal.private_contact = InPersonContact(name=CONTACT_NAME, contact="06 12 34 56 78")
    # Recorded by a staff member, as every front-desk submission is (imported projects are not).
    proposal.recorded_by_id = create_user(roles=(Role.FRONT_DESK,)).id
    if reference:
        proposal.reference = reference
    db.session.commit()
    return proposal


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://budget.ville.example/", "https://budget.ville.example/proposals/{id}"),
        (None, "http://localhost/proposals/{id}"),
    ],
)
def test_receipt_carries_the_absolute_address_and_its_qr_code(app, client, login_as, base_url, expected):
    if base_url:
        app.config["BASE_URL"] = base_url
    proposal = _in_person()
    login_as(Role.FRONT_DESK, locale="en")
    page = client.get(f"/front-desk/proposals/{proposal.id}/receipt").get_data(as_text=True)
    address = expected.format(id=proposal.id)
    assert f'<a href="{address}" class="receipt-address">{address}</a>' in page
    assert f'<svg role="img" aria-label="QR code of the address of proposal {proposal.reference}"' in page
    # The code is the address's own QR code, drawn inline (no image request, no script).
    path = re.search(r'd="([^"]+)"', segno.make(address, error="m").svg_inline(scale=4)).group(1)
    assert path in page and "<script" not in page.split("<main", 1)[-1]
    assert f"Scan this code with a phone to open the proposal: {address}" in page


@pytest.mark.parametrize(
    ("channel", "label"), [("in_person", "In person, at the town hall"), ("online", "Online")]
)
def test_receipt_shows_the_real_channel(client, login_as, channel, label):
    proposal = create_proposal(channel=channel)
    login_as(Role.FRONT_DESK, locale="en")
    page = client.get(f"/front-desk/proposals/{proposal.id}/receipt").get_data(as_text=True)
    assert f"<dt>Channel</dt><dd>{label}</dd>" in page


@pytest.mark.parametrize("query", ["BP2026-00007", "bp2026-00007", "bp2026-7", " BP2026-0007 "])
def test_the_reference_is_searchable_in_the_list_and_at_the_front_desk(client, login_as, query):
    edition = create_edition()
    wanted = _in_person(edition, reference="BP2026-00007", title="Le projet cherché")
    other = _in_person(edition, reference="BP2026-00017", title="Un autre projet")
    listing = client.get(f"/editions/{edition.slug}/proposals", query_string={"q": query}).get_data(
        as_text=True
    )
    assert f'href="/proposals/{wanted.id}"' in listing and f'href="/proposals/{other.id}"' not in listing
    login_as(Role.FRONT_DESK, locale="en")
    for headers in ({}, {"HX-Request": "true"}):
        desk = client.get("/front-desk", query_string={"q": query}, headers=headers).get_data(as_text=True)
        assert "BP2026-00007" in desk and "Le projet cherché" in desk and "Un autre projet" not in desk
        assert f'href="/front-desk/proposals/{wanted.id}/receipt"' in desk


def test_front_desk_lists_what_was_recorded_at_the_town_hall(client, login_as):
    recorded = _in_person(title="Saisi en mairie")
    create_proposal(title="Déposé en ligne")
    login_as(Role.FRONT_DESK, locale="en")
    page = client.get("/front-desk").get_data(as_text=True)
    assert "Saisi en mairie" in page and "Déposé en ligne" not in page
    assert f'href="/front-desk/proposals/{recorded.id}/correct"' in page
    assert f'href="/front-desk/proposals/{recorded.id}/withdraw"' in page


def test_staff_correct_the_text_and_the_private_contact_audited_without_personal_data(client, login_as):
    proposal = _in_person()
    clerk = login_as(Role.FRONT_DESK, locale="en")
    form = client.get(f"/front-desk/proposals/{proposal.id}/correct")
    assert form.status_code == 200 and CONTACT_NAME in form.get_data(as_text=True)
    token = csrf_token(client, f"/front-desk/proposals/{proposal.id}/correct")
    data = {
        "csrf_token": token,
        "contact_name": "Germaine Privé-Lemoine",
        "contact": "06 12 34 56 79",
        "title": "Banc devant la boulangerie du port",
        "summary": "Un banc pour se reposer en attendant le bus.",
        "description": "Les personnes âgées attendent debout le bus de 9 h devant la boulangerie.",
    }
    invalid = client.post(f"/front-desk/proposals/{proposal.id}/correct", data={**data, "title": ""})
    assert invalid.status_code == 422 and "Germaine Privé-Lemoine" in invalid.get_data(as_text=True)
    response = client.post(f"/front-desk/proposals/{proposal.id}/correct", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/receipt")
    db.session.expire_all()
    corrected = db.session.get(Proposal, proposal.id)
    assert corrected.title == "Banc devant la boulangerie du port" and corrected.version_count == 2
    assert (corrected.private_contact.name, corrected.private_contact.contact) == (
        "Germaine Privé-Lemoine",
        "06 12 34 56 79",
    )
    [entry] = _audit("proposal.front_desk_correct")
    assert entry.actor_id == clerk.id and entry.after["contact_changed"] is True
    assert "Germaine" not in str(entry.before) + str(entry.after)


def test_only_town_hall_proposals_still_open_can_be_corrected_or_withdrawn(client, login_as):
    online = create_proposal()
    withdrawn = _in_person()
    withdrawn.status = ProposalStatus.WITHDRAWN
    db.session.commit()
    login_as(Role.FRONT_DESK)
    token = csrf_token(client, "/front-desk")
    assert (
        client.post(f"/front-desk/proposals/{online.id}/withdraw", data={"csrf_token": token}).status_code
        == 403
    )
    assert (
        client.post(f"/front-desk/proposals/{withdrawn.id}/withdraw", data={"csrf_token": token}).status_code
        == 409
    )


def test_withdraw_asks_for_confirmation_and_is_audited(client, login_as):
    proposal = _in_person()
    clerk = login_as(Role.FRONT_DESK, locale="en")
    page = client.get(f"/front-desk/proposals/{proposal.id}/withdraw")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Withdraw proposal" in body and 'class="danger"' in body
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.SUBMITTED
    token = csrf_token(client, f"/front-desk/proposals/{proposal.id}/withdraw")
    response = client.post(f"/front-desk/proposals/{proposal.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.WITHDRAWN
    [entry] = _audit("proposal.front_desk_withdraw")
    assert entry.actor_id == clerk.id and entry.before == {"status": "submitted"}


def test_residents_cannot_correct_nor_withdraw(client, login_as):
    proposal = _in_person()
    login_as(Role.RESIDENT)
    for path in ("correct", "withdraw"):
        assert client.get(f"/front-desk/proposals/{proposal.id}/{path}").status_code == 403
