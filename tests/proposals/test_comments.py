"""Comments: threaded one level, posted and edited via HTMX or plain forms, closed by the calendar."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from civic.core.time import utcnow
from civic.extensions import db
from civic.proposals.models import Comment, Proposal
from tests.conftest import csrf_token
from tests.factories import create_comment, create_edition, create_proposal


def test_post_and_reply_with_htmx_and_without(client, login_as):
    proposal = create_proposal()
    login_as()
    token = csrf_token(client)
    plain = client.post(
        f"/proposals/{proposal.id}/comments", data={"csrf_token": token, "body": "Premier avis"}
    )
    assert plain.status_code == 303
    top = db.session.scalar(select(Comment))
    fragment = client.post(
        f"/proposals/{proposal.id}/comments",
        data={"body": "Une réponse", "parent_id": top.id},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    body = fragment.get_data(as_text=True)
    assert (
        fragment.status_code == 200
        and "<html" not in body
        and 'id="comments"' in body
        and "Une réponse" in body
    )
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == top.id))
    # Replies are one level deep: replying to a reply is refused.
    nested = client.post(
        f"/proposals/{proposal.id}/comments",
        data={"csrf_token": token, "body": "Trop profond", "parent_id": reply.id},
    )
    assert nested.status_code == 422
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).comment_count == 2


def test_comment_edit_window_is_fifteen_minutes(client, login_as):
    author = login_as()
    comment = create_comment(author=author)
    token = csrf_token(client)
    ok = client.post(f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": "Corrigé"})
    assert ok.status_code == 303
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        late = client.post(f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": "Trop tard"})
    assert late.status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Corrigé"


def test_others_cannot_edit_a_comment(client, login_as):
    comment = create_comment()
    login_as()
    token = csrf_token(client)
    assert (
        client.post(f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": "Pirate"}).status_code
        == 403
    )


def test_comments_close_with_the_calendar(client, login_as):
    proposal = create_proposal(edition=create_edition(open_phase="results"))
    login_as()
    token = csrf_token(client)
    response = client.post(
        f"/proposals/{proposal.id}/comments", data={"csrf_token": token, "body": "Trop tard"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Comment)) is None


def test_blocked_user_cannot_post(client, login_as):
    proposal = create_proposal()
    user = login_as()
    user.blocked_at = utcnow()
    db.session.commit()
    token = csrf_token(client)
    response = client.post(
        f"/proposals/{proposal.id}/comments", data={"csrf_token": token, "body": "Je suis bloqué"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Comment)) is None
