"""Blocked people see why they cannot write, and no form that would fail on submit."""

from __future__ import annotations

from sqlalchemy import select

from civic.core.time import utcnow
from civic.extensions import db
from civic.proposals.models import Comment, Proposal
from tests.conftest import csrf_token
from tests.factories import create_comment, create_edition, create_proposal


def _block(user) -> None:
    user.blocked_at = utcnow()
    db.session.commit()


def test_a_blocked_person_sees_a_notice_instead_of_the_submission_form(client, login_as):
    edition = create_edition()
    user = login_as(locale="en")
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    _block(user)
    response = client.get(f"/editions/{edition.slug}/proposals/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your account is blocked: you can read but not write." in page
    assert 'name="title"' not in page
    posted = client.post(
        f"/editions/{edition.slug}/proposals/new",
        data={
            "csrf_token": token,
            "title": "Un titre valable",
            "summary": "Un résumé valable.",
            "description": "x" * 30,
        },
    )
    assert posted.status_code == 403 and "Your account is blocked" in posted.get_data(as_text=True)
    assert db.session.scalar(select(Proposal)) is None


def test_a_blocked_author_sees_the_notice_on_the_edit_form_and_no_invitation_form(client, login_as):
    user = login_as(locale="en")
    proposal = create_proposal(author=user)
    _block(user)
    edit = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    assert "Your account is blocked" in edit and 'name="title"' not in edit
    detail = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'name="email"' not in detail and "Your account is blocked" in detail


def test_a_blocked_person_sees_the_notice_instead_of_the_comment_form(client, login_as):
    user = login_as(locale="en")
    proposal = create_proposal()
    own = create_comment(proposal=proposal, author=user)
    _block(user)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Your account is blocked" in page
    assert 'name="body"' not in page and f"/comments/{own.id}/edit" not in page
    response = client.post(
        f"/proposals/{proposal.id}/comments", data={"csrf_token": csrf_token(client), "body": "Encore moi"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Comment).where(Comment.body == "Encore moi")) is None
    edit = client.get(f"/comments/{own.id}/edit").get_data(as_text=True)
    assert "Your account is blocked" in edit and 'name="body"' not in edit


def test_a_blocked_person_sees_why_instead_of_accept_buttons(client, login_as):
    from tests.factories import create_coauthor_invitation

    user = login_as(locale="en")
    invitation = create_coauthor_invitation(user=user)
    _block(user)
    page = client.get("/account/invitations").get_data(as_text=True)
    assert "Your account is blocked" in page
    assert f"/coauthors/{invitation.id}/accept" not in page
