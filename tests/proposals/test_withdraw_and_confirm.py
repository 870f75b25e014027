"""A draft is deleted (it was never public), never withdrawn; destructive actions ask first, without JavaScript."""

from __future__ import annotations

from sqlalchemy import select

from civic.extensions import db
from civic.proposals.models import Proposal, ProposalStatus
from tests.conftest import csrf_token
from tests.factories import create_proposal, create_user


def test_a_draft_cannot_be_withdrawn_into_public_view(client, login_as):
    author = login_as()
    draft = create_proposal(author=author, status="draft")
    token = csrf_token(client)
    response = client.post(f"/proposals/{draft.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Proposal, draft.id).status is ProposalStatus.DRAFT
    client.post("/logout", data={"csrf_token": token})
    assert client.get(f"/proposals/{draft.id}").status_code == 404


def test_a_draft_is_deleted_after_confirmation(client, login_as):
    author = login_as(locale="en")
    draft = create_proposal(author=author, status="draft", title="My secret draft")
    detail = client.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert f'action="/proposals/{draft.id}/delete"' in detail and "Withdraw the proposal" not in detail
    confirm = client.get(f"/proposals/{draft.id}/delete")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Delete the draft “My secret draft”?" in page
    assert 'class="danger"' in page and "Yes, delete the draft" in page
    assert db.session.get(Proposal, draft.id) is not None  # asking is not acting
    draft_id = draft.id
    response = client.post(f"/proposals/{draft_id}/delete", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, draft_id) is None


def test_a_submitted_proposal_is_withdrawn_only_after_confirmation(client, login_as):
    author = login_as(locale="en")
    proposal = create_proposal(author=author)
    detail = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'<form method="get" action="/proposals/{proposal.id}/withdraw" data-confirm-page>' in detail
    confirm = client.get(f"/proposals/{proposal.id}/withdraw")
    assert confirm.status_code == 200 and "Yes, withdraw the proposal" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.SUBMITTED
    token = csrf_token(client, f"/proposals/{proposal.id}/withdraw")
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.WITHDRAWN


def test_a_submitted_proposal_cannot_be_deleted(client, login_as):
    author = login_as()
    proposal = create_proposal(author=author)
    assert (
        client.post(f"/proposals/{proposal.id}/delete", data={"csrf_token": csrf_token(client)}).status_code
        == 409
    )
    assert db.session.scalar(select(Proposal.id)) == proposal.id


def test_others_cannot_see_the_confirmation_pages(client, login_as):
    proposal = create_proposal(author=create_user())
    draft = create_proposal(author=create_user(), status="draft")
    login_as()
    assert client.get(f"/proposals/{proposal.id}/withdraw").status_code == 403
    assert client.get(f"/proposals/{draft.id}/delete").status_code == 404


def test_an_invitation_is_cancelled_after_confirmation(client, login_as):
    from civic.proposals.models import CoAuthor
    from tests.factories import create_coauthor_invitation

    author = login_as(locale="en")
    proposal = create_proposal(author=author)
    invitation = create_coauthor_invitation(proposal=proposal, user=create_user(email="ami@example.org"))
    detail = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    url = f"/proposals/{proposal.id}/coauthors/{invitation.id}/remove"
    assert f'action="{url}"' in detail and "ami@example.org (invited)" in detail
    confirm = client.get(url).get_data(as_text=True)
    assert "Cancel the invitation sent to ami@example.org?" in confirm and 'class="danger"' in confirm
    assert db.session.scalar(select(CoAuthor.id)) == invitation.id
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(CoAuthor.id)) is None


def test_only_the_author_removes_an_accepted_co_author(app, client, login_as):
    from civic.core.time import utcnow
    from civic.proposals.models import CoAuthor
    from tests.conftest import log_in
    from tests.factories import create_coauthor_invitation

    author = create_user(locale="en")
    proposal = create_proposal(author=author)
    first, second = create_user(display_name="Alix"), create_user(display_name="Bao")
    for person in (first, second):
        invitation = create_coauthor_invitation(proposal=proposal, user=person)
        invitation.accepted_at = utcnow()
    db.session.commit()
    bao = db.session.scalars(select(CoAuthor).where(CoAuthor.user_id == second.id)).one()
    log_in(client, first)
    url = f"/proposals/{proposal.id}/coauthors/{bao.id}/remove"
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 403
    other = app.test_client()
    log_in(other, author)
    assert "Remove Bao from the co-authors?" in other.get(url).get_data(as_text=True)
    assert other.post(url, data={"csrf_token": csrf_token(other)}).status_code == 303
    db.session.expire_all()
    assert second.id not in db.session.get(Proposal, proposal.id).holder_ids()
