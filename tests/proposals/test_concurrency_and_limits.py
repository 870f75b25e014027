"""Simultaneous edits and invitations never give a 500 nor act twice; writes a bot could repeat are rate-limited."""

from __future__ import annotations

import re
import threading

from flask import Flask
from sqlalchemy import func, select

from civic.extensions import db
from civic.proposals.models import CoAuthor, Comment, Proposal, ProposalVersion
from tests.conftest import csrf_token, log_in
from tests.factories import create_proposal, create_user

FORM = {
    "summary": "Un résumé assez long du projet.",
    "description": "Une description assez longue du projet proposé.",
}


def _simultaneously(app: Flask, user, requests: list[tuple[str, dict[str, str]]]) -> list[int]:
    """Post each (url, data) from its own client and thread, all released at once; return the statuses."""
    clients = []
    for url, data in requests:
        client = app.test_client()
        log_in(client, user)
        clients.append((client, url, {"csrf_token": csrf_token(client), **data}))
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def run(index: int) -> None:
        client, url, data = clients[index]
        barrier.wait()
        statuses[index] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_an_edit_from_a_stale_form_is_a_409_that_keeps_the_typed_text(client, login_as):
    author = login_as(locale="en")
    proposal = create_proposal(author=author, title="Titre de départ")
    page = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    assert 'name="version_count" type="hidden" value="1"' in page
    token = csrf_token(client, f"/proposals/{proposal.id}/edit")
    first = {"csrf_token": token, **FORM, "title": "Titre de la première personne", "version_count": "1"}
    assert client.post(f"/proposals/{proposal.id}/edit", data=first).status_code == 303
    late = {"csrf_token": token, **FORM, "title": "Titre de la seconde personne", "version_count": "1"}
    response = client.post(f"/proposals/{proposal.id}/edit", data=late)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this proposal while you were editing it" in page
    assert 'value="Titre de la seconde personne"' in page
    assert 'name="version_count" type="hidden" value="2"' in page
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Titre de la première personne"
    # Having seen the message, the person saves again from the new version: it goes through.
    again = {**late, "version_count": "2"}
    assert client.post(f"/proposals/{proposal.id}/edit", data=again).status_code == 303


def test_two_simultaneous_edits_make_one_version_and_one_clear_409(app, login_as):
    author = create_user()
    for round_ in range(3):
        proposal = create_proposal(author=author)
        url = f"/proposals/{proposal.id}/edit"
        edits = [
            (url, {**FORM, "title": f"Édition {who} du tour {round_}", "version_count": "1"}) for who in "AB"
        ]
        assert _simultaneously(app, author, edits) == [303, 409]
        db.session.expire_all()
        numbers = db.session.scalars(
            select(ProposalVersion.number).where(ProposalVersion.proposal_id == proposal.id)
        ).all()
        assert sorted(numbers) == [1, 2]
        assert db.session.get(Proposal, proposal.id).version_count == 2


def test_two_simultaneous_invitations_of_one_address_make_one_row(app, outbox):
    author = create_user()
    for round_ in range(3):
        proposal = create_proposal(author=author)
        address = f"ami{round_}@example.org"
        invitations = [(f"/proposals/{proposal.id}/coauthors", {"email": address})] * 2
        assert _simultaneously(app, author, invitations) == [303, 409]
        count = db.session.scalar(
            select(func.count()).select_from(CoAuthor).where(CoAuthor.proposal_id == proposal.id)
        )
        assert count == 1


def test_an_unknown_address_gets_the_same_answer_and_an_invitation_to_join(app, client, login_as, outbox):
    author = login_as(locale="en")
    proposal = create_proposal(author=author, title="Un verger en ville")
    create_user(email="known@example.org")
    answers = []
    for address in ("known@example.org", "Stranger@Example.org"):
        response = client.post(
            f"/proposals/{proposal.id}/coauthors",
            data={"csrf_token": csrf_token(client), "email": address},
            follow_redirects=True,
        )
        flashes = re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', response.get_data(as_text=True), re.S)
        answers.append((response.status_code, flashes))
    assert answers[0] == answers[1]
    invitation_mail = outbox[-1]
    assert invitation_mail.to == "stranger@example.org"
    assert "/register" in invitation_mail.body and "Un verger en ville" in invitation_mail.body

    # The stranger registers with that address (confirmed): the invitation is theirs to accept.
    stranger = create_user(email="stranger@example.org")
    other = app.test_client()
    log_in(other, stranger)
    page = other.get("/account/invitations").get_data(as_text=True)
    assert "Un verger en ville" in page
    invitation = db.session.scalars(
        select(CoAuthor).where(CoAuthor.invited_email == "stranger@example.org")
    ).one()
    response = other.post(f"/coauthors/{invitation.id}/accept", data={"csrf_token": csrf_token(other)})
    assert response.status_code == 303
    db.session.expire_all()
    assert stranger.id in db.session.get(Proposal, proposal.id).holder_ids()


def test_an_unconfirmed_account_does_not_get_an_invitation_sent_to_its_address(app, client, login_as):
    author = login_as()
    proposal = create_proposal(author=author, title="Un verger en ville")
    client.post(
        f"/proposals/{proposal.id}/coauthors",
        data={"csrf_token": csrf_token(client), "email": "late@example.org"},
    )
    squatter = create_user(email="late@example.org", confirmed=False)
    other = app.test_client()
    log_in(other, squatter)
    assert "Un verger en ville" not in other.get("/account/invitations").get_data(as_text=True)
    invitation = db.session.scalars(select(CoAuthor)).one()
    response = other.post(f"/coauthors/{invitation.id}/accept", data={"csrf_token": csrf_token(other)})
    assert response.status_code == 404


def test_an_invalid_invitation_comes_back_422_with_the_typed_address(client, login_as):
    author = login_as(locale="en")
    proposal = create_proposal(author=author)
    response = client.post(
        f"/proposals/{proposal.id}/coauthors",
        data={"csrf_token": csrf_token(client), "email": "not-an-address"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="not-an-address"' in page and 'id="coauthor-email-error"' in page


def test_invitations_are_rate_limited_per_person(app, client, login_as):
    app.config["COAUTHOR_INVITE_RATE_LIMIT"] = "2 per hour"
    author = login_as()
    proposal = create_proposal(author=author)
    token = csrf_token(client)
    statuses = [
        client.post(
            f"/proposals/{proposal.id}/coauthors", data={"csrf_token": token, "email": f"p{i}@example.org"}
        ).status_code
        for i in range(3)
    ]
    assert statuses == [303, 303, 429]


def test_comments_are_rate_limited_per_account_with_a_friendly_429(app, client, login_as):
    app.config["COMMENT_RATE_LIMIT"] = "2 per minute"
    login_as(locale="en")
    proposal = create_proposal()
    token = csrf_token(client)
    url = f"/proposals/{proposal.id}/comments"
    assert [
        client.post(url, data={"csrf_token": token, "body": f"Avis {i}"}).status_code for i in range(2)
    ] == [
        303,
        303,
    ]
    page = client.post(url, data={"csrf_token": token, "body": "Un de trop"})
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    fragment = client.post(
        url, data={"csrf_token": token, "body": "Un de trop"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 429 and fragment.headers["HX-Retarget"] == "#flash-messages"
    assert "<html" not in fragment.get_data(as_text=True)
    # Another person on the same network still comments: the limit follows the account.
    other = app.test_client()
    log_in(other, create_user())
    assert other.post(url, data={"csrf_token": csrf_token(other), "body": "Moi aussi"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 3


def test_comment_edits_are_rate_limited(app, client, login_as):
    from tests.factories import create_comment

    app.config["COMMENT_EDIT_RATE_LIMIT"] = "1 per minute"
    comment = create_comment(author=login_as(), body="Premier jet")
    token = csrf_token(client)
    url = f"/comments/{comment.id}/edit"
    assert client.post(url, data={"csrf_token": token, "body": "Deuxième jet"}).status_code == 303
    assert client.post(url, data={"csrf_token": token, "body": "Troisième jet"}).status_code == 429
    assert client.get(url).status_code == 200  # reading the form is not limited
