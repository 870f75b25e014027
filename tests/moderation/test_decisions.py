"""Moderators hide or dismiss reported content and block accounts; authors are told; all is audited."""

from __future__ import annotations

import json

import pytest
from flask import render_template_string
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.moderation.models import Report, ReportState
from civic.proposals.models import Comment, Proposal
from tests.conftest import csrf_token, log_in
from tests.factories import create_comment, create_proposal, create_report, create_user

PLACEHOLDER = (
    '{% from "moderation/_hidden_placeholder.html" import hidden_placeholder %}{{ hidden_placeholder(item) }}'
)


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _confirmation(verb: str) -> dict[str, str]:
    # Hiding asks for confirmation first (tested in tests/moderation/test_restore_and_block.py).
    return {"confirmed": "yes"} if verb == "hide" else {}


def _decide(client, report: Report, verb: str, *, headers: dict[str, str] | None = None, **data: str):
    token = csrf_token(client, "/moderation")
    return client.post(
        f"/moderation/reports/{report.id}/{verb}",
        data={"csrf_token": token, "next": "/moderation?state=open", **_confirmation(verb), **data},
        headers=headers or {},
    )


def test_moderation_flow_end_to_end(app, client, report_as, outbox):
    author = create_user(display_name="Camille Auteur", email="camille@example.org", locale="en")
    comment = create_comment(author=author, body="Vous êtes tous des imbéciles")
    reporter = create_user()
    assert report_as(reporter, "comment", comment.id, reason="offensive", text="Insulte").status_code == 303
    [report] = db.session.scalars(select(Report)).all()

    moderator = create_user(roles=(Role.MODERATOR,), locale="en")
    log_in(client, moderator)
    queue = client.get("/moderation").get_data(as_text=True)
    assert (
        "Vous êtes tous des imbéciles" in queue and "Insulte" in queue and "Offensive or hateful: 1" in queue
    )
    assert f'action="/moderation/reports/{report.id}/hide"' in queue

    response = _decide(client, report, "hide", reason="offensive")
    assert response.status_code == 303 and response.headers["Location"] == "/moderation?state=open"
    assert "The content is hidden" in client.get("/moderation").get_data(as_text=True)

    db.session.expire_all()
    hidden = db.session.get(Comment, comment.id)
    assert hidden.hidden_at is not None and hidden.hidden_reason == "offensive"
    decided = db.session.get(Report, report.id)
    assert decided.state is ReportState.UPHELD and decided.decided_by_id == moderator.id
    assert decided.decided_at is not None

    with app.test_request_context(headers={"Accept-Language": "en"}):
        placeholder = render_template_string(PLACEHOLDER, item=hidden)
    assert "This comment was hidden by the moderators. Reason: Offensive or hateful." in placeholder

    [mail] = outbox
    assert (mail.to, mail.subject) == ("camille@example.org", "Your comment has been hidden")
    assert "Reason: Offensive or hateful." in mail.body and "imbéciles" in mail.body

    [entry] = _audit("moderation.hide")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (moderator.id, "comment", str(comment.id))
    assert entry.before == {"hidden_reason": None, "open_reports": 1}
    assert entry.after == {"hidden_reason": "offensive", "upheld_reports": 1}
    logged = json.dumps([(e.before, e.after) for e in db.session.scalars(select(AuditEntry))])
    assert "Camille" not in logged and "camille@" not in logged

    assert "Nothing matches these filters." in client.get("/moderation").get_data(as_text=True)
    assert "Content hidden on" in client.get("/moderation?state=upheld").get_data(as_text=True)


def test_hiding_with_htmx_returns_the_updated_entry(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    comment = create_comment()
    report = create_report(target=comment, reason="spam")
    create_report(target=comment, reason="spam")
    response = _decide(client, report, "hide", reason="spam", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.startswith(f'<article id="moderation-item-comment-{comment.id}"')
    assert "Content hidden on" in body and "Hidden: Spam or advertising" in body
    assert 'hx-swap-oob="true"' in body and "The content is hidden" in body
    # The re-rendered entry's remaining action still leads back to the queue, not to the POST URL.
    assert '/restore?next=/moderation?state%3Dopen"' in body
    assert db.session.scalars(select(Report.state)).all() == [ReportState.UPHELD, ReportState.UPHELD]


def test_hiding_a_proposal_uses_the_chosen_public_reason(client, login_as, outbox):
    login_as(Role.ADMIN)
    proposal = create_proposal(author=create_user(email="porteur@example.org"))
    report = create_report(target=proposal, reason="spam")
    assert _decide(client, report, "hide", reason="personal_data").status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).hidden_reason == "personal_data"
    assert [m.to for m in outbox] == ["porteur@example.org"]


def test_an_invalid_hide_reason_returns_the_form_with_422(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    comment = create_comment()
    report = create_report(target=comment)
    page = _decide(client, report, "hide", reason="because")
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    fragment = _decide(client, report, "hide", reason="", headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)
    assert f'id="moderation-item-comment-{comment.id}"' in fragment.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None


def test_dismiss_restores_auto_hidden_content_and_notifies_the_author(app, client, report_as, outbox):
    author = create_user(email="auteur@example.org", locale="en")
    comment = create_comment(author=author)
    for reporter in (create_user(), create_user(), create_user()):
        assert report_as(reporter, "comment", comment.id).status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_reason == "pending_review"
    report = db.session.scalars(select(Report)).first()

    moderator = create_user(roles=(Role.MODERATOR,), locale="en")
    log_in(client, moderator)
    refused = _decide(client, report, "dismiss", headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Give the reason" in refused.get_data(as_text=True)
    response = _decide(
        client, report, "dismiss", reason="Critique vive mais correcte", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Reports dismissed on" in response.get_data(as_text=True)

    db.session.expire_all()
    restored = db.session.get(Comment, comment.id)
    assert restored.hidden_at is None and restored.hidden_reason is None
    assert {r.state for r in db.session.scalars(select(Report))} == {ReportState.DISMISSED}
    assert [(m.to, m.subject) for m in outbox] == [
        ("auteur@example.org", "Your comment has been hidden"),
        ("auteur@example.org", "Your comment is visible again"),
    ]
    [entry] = _audit("moderation.dismiss")
    assert entry.actor_id == moderator.id
    assert entry.before == {"hidden_reason": "pending_review", "open_reports": 3}
    assert entry.after == {
        "hidden_reason": None,
        "dismissed_reports": 3,
        "reason": "Critique vive mais correcte",
    }
    assert "Critique vive mais correcte" in outbox[-1].body


def test_dismissing_reports_of_visible_content_sends_no_mail(client, login_as, outbox):
    login_as(Role.MODERATOR)
    report = create_report()
    assert _decide(client, report, "dismiss").status_code == 303
    assert outbox == []
    db.session.expire_all()
    assert db.session.get(Report, report.id).state is ReportState.DISMISSED


def test_deciding_twice_is_a_conflict(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    report = create_report()
    assert _decide(client, report, "hide", reason="spam").status_code == 303
    again = _decide(client, report, "dismiss")
    assert again.status_code == 409 and "already been decided" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Report, report.id).state is ReportState.UPHELD


def test_moderator_blocks_and_unblocks_an_author(client, login_as):
    moderator = login_as(Role.MODERATOR, locale="en")
    author = create_user(display_name="Bavard Insistant")
    token = csrf_token(client, "/moderation")
    response = client.post(
        f"/moderation/users/{author.id}/block",
        data={"csrf_token": token, "next": "/moderation?state=upheld", "reason": "Insultes répétées"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/moderation?state=upheld"
    db.session.expire_all()
    assert db.session.get(User, author.id).blocked_at is not None
    [entry] = _audit("moderation.block")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (moderator.id, "user", str(author.id))
    assert entry.before == {"blocked": False}
    assert entry.after == {"blocked": True, "reason": "Insultes répétées", "until": None}

    response = client.post(
        f"/moderation/users/{author.id}/unblock", data={"csrf_token": token, "next": "https://evil.example"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/moderation"
    db.session.expire_all()
    assert db.session.get(User, author.id).blocked_at is None
    [entry] = _audit("moderation.unblock")
    assert (entry.before, entry.after) == (
        {"blocked": True, "reason": "Insultes répétées"},
        {"blocked": False},
    )


def test_blocked_author_cannot_report(client, login_as, report_as):
    login_as(Role.MODERATOR)
    author = create_user()
    token = csrf_token(client, "/moderation")
    client.post(f"/moderation/users/{author.id}/block", data={"csrf_token": token, "reason": "Spam"})
    assert report_as(author, "comment", create_comment().id).status_code == 403


@pytest.mark.parametrize("target", ["admin", "self"])
def test_moderators_cannot_block_an_admin_or_themselves(client, login_as, target):
    moderator = login_as(Role.MODERATOR)
    user = create_user(roles=(Role.ADMIN,)) if target == "admin" else moderator
    token = csrf_token(client, "/moderation")
    assert client.post(f"/moderation/users/{user.id}/block", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, user.id).blocked_at is None


def test_blocking_a_deleted_or_missing_account_is_not_found(client, login_as):
    login_as(Role.MODERATOR)
    token = csrf_token(client, "/moderation")
    assert client.post("/moderation/users/999999/block", data={"csrf_token": token}).status_code == 404
