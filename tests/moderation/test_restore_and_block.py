"""Restoring hidden content (with a reason), blocking with a reason and an optional end, confirmations,
and facilitators' moderation powers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.time import utcnow
from civic.extensions import db
from civic.moderation.models import Report, ReportState
from civic.moderation.permissions import block_notice, can_write, is_blocked
from civic.proposals.models import Comment
from tests.conftest import csrf_token, log_in
from tests.factories import create_comment, create_report, create_user
from tests.moderation.seeding import hide

NOW = datetime(2026, 5, 1, 12, 0)


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _person(**kwargs: object) -> SimpleNamespace:
    return SimpleNamespace(
        **{"is_authenticated": True, "blocked_at": None, "blocked_until": None, "deleted_at": None, **kwargs}
    )


def test_is_blocked_respects_the_end_of_the_block():
    assert not is_blocked(_person(), NOW)
    assert is_blocked(_person(blocked_at=NOW), NOW + timedelta(days=900))
    temporary = _person(blocked_at=NOW, blocked_until=NOW + timedelta(days=7), blocked_reason="Spam")
    assert is_blocked(temporary, NOW + timedelta(days=6)) and not can_write(
        temporary, NOW + timedelta(days=6)
    )
    assert not is_blocked(temporary, NOW + timedelta(days=7)) and can_write(
        temporary, NOW + timedelta(days=7)
    )
    notice = block_notice(temporary, NOW)
    assert notice is not None and (notice.reason, notice.until) == ("Spam", NOW + timedelta(days=7))
    assert block_notice(temporary, NOW + timedelta(days=8)) is None


def test_hiding_asks_for_confirmation_first(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    comment = create_comment(body="Un commentaire signalé")
    report = create_report(target=comment)
    token = csrf_token(client, "/moderation")
    asked = client.post(f"/moderation/reports/{report.id}/hide", data={"csrf_token": token, "reason": "spam"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "<html" in page and "Hide this content?" in page
    assert (
        'name="confirmed" value="yes"' in page and 'class="danger"' in page and "Spam or advertising" in page
    )
    fragment = client.post(
        f"/moderation/reports/{report.id}/hide",
        data={"csrf_token": token, "reason": "spam"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert (
        fragment.startswith(f'<article id="moderation-item-comment-{comment.id}"') and "<html" not in fragment
    )
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None
    done = client.post(
        f"/moderation/reports/{report.id}/hide",
        data={"csrf_token": token, "reason": "spam", "confirmed": "yes"},
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_reason == "spam"


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.FACILITATOR])
def test_hidden_content_is_restored_with_a_reason_audited_and_mailed(client, role, outbox):
    author = create_user(email="auteur@example.org", locale="fr")
    comment = create_comment(author=author, body="Texte remis en ligne")
    report = create_report(target=comment)
    report.state = ReportState.UPHELD
    hide(comment, "offensive")
    moderator = create_user(roles=(role,), locale="en")
    log_in(client, moderator)
    page = client.get(f"/moderation/reports/{report.id}/restore?next=/moderation?state%3Dupheld")
    assert page.status_code == 200 and "Show this content again?" in page.get_data(as_text=True)
    assert 'class="danger"' in page.get_data(as_text=True)
    token = csrf_token(client, f"/moderation/reports/{report.id}/restore")
    refused = client.post(
        f"/moderation/reports/{report.id}/restore", data={"csrf_token": token, "reason": " "}
    )
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).is_hidden

    done = client.post(
        f"/moderation/reports/{report.id}/restore",
        data={
            "csrf_token": token,
            "reason": "Erreur de lecture : propos acceptable",
            "next": "/moderation?state=upheld",
        },
    )
    assert done.status_code == 303 and done.headers["Location"] == "/moderation?state=upheld"
    db.session.expire_all()
    restored = db.session.get(Comment, comment.id)
    assert restored.hidden_at is None and restored.hidden_reason is None
    [entry] = _audit("moderation.restore")
    assert entry.actor_id == moderator.id and entry.target_id == str(comment.id)
    assert entry.before["hidden_reason"] == "offensive"
    assert entry.after == {"hidden_reason": None, "reason": "Erreur de lecture : propos acceptable"}
    [mail] = outbox
    assert mail.to == "auteur@example.org" and mail.locale == "fr"
    assert "Erreur de lecture : propos acceptable" in mail.body

    again = client.post(
        f"/moderation/reports/{report.id}/restore", data={"csrf_token": token, "reason": "Encore"}
    )
    assert again.status_code == 409


def test_restoring_auto_hidden_content_dismisses_its_open_reports(client, login_as):
    comment = create_comment()
    reports = [create_report(target=comment) for _ in range(3)]
    hide(comment, "pending_review")
    login_as(Role.MODERATOR)
    token = csrf_token(client, "/moderation")
    response = client.post(
        f"/moderation/reports/{reports[0].id}/restore", data={"csrf_token": token, "reason": "Rien à redire"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(select(Report))} == {ReportState.DISMISSED}
    assert db.session.get(Comment, comment.id).hidden_at is None


def test_block_asks_a_reason_and_an_optional_end_date_and_tells_the_person(client, outbox):
    moderator = create_user(roles=(Role.FACILITATOR,), locale="en")
    person = create_user(display_name="Bavard", email="bavard@example.org", locale="en")
    log_in(client, moderator)
    page = client.get(f"/moderation/users/{person.id}/block?next=/moderation")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Block Bavard?" in body and 'type="date"' in body
    assert 'class="danger"' in body
    token = csrf_token(client, f"/moderation/users/{person.id}/block")
    missing = client.post(f"/moderation/users/{person.id}/block", data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 422
    past = client.post(
        f"/moderation/users/{person.id}/block",
        data={"csrf_token": token, "reason": "Spam", "until": "2020-01-01"},
    )
    assert past.status_code == 422 and 'value="Spam"' not in past.get_data(as_text=True)
    assert "Spam</textarea>" in past.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).blocked_at is None

    end = date.today() + timedelta(days=10)
    done = client.post(
        f"/moderation/users/{person.id}/block",
        data={
            "csrf_token": token,
            "reason": "Messages publicitaires",
            "until": end.isoformat(),
            "next": "/moderation",
        },
    )
    assert done.status_code == 303 and done.headers["Location"] == "/moderation"
    db.session.expire_all()
    blocked = db.session.get(User, person.id)
    assert blocked.blocked_reason == "Messages publicitaires"
    assert blocked.blocked_until is not None and blocked.blocked_until.date() in {
        end - timedelta(days=1),
        end,
    }
    [entry] = _audit("moderation.block")
    assert entry.after["reason"] == "Messages publicitaires" and entry.after["until"]
    [mail] = outbox
    assert mail.to == "bavard@example.org" and mail.subject == "Your account can no longer publish"
    assert "Messages publicitaires" in mail.body and str(end.year) in mail.body


def test_block_mail_is_in_the_persons_language(client, login_as, outbox):
    login_as(Role.MODERATOR, locale="en")
    person = create_user(email="fr@example.org", locale="fr")
    token = csrf_token(client, f"/moderation/users/{person.id}/block")
    client.post(f"/moderation/users/{person.id}/block", data={"csrf_token": token, "reason": "Insultes"})
    [mail] = outbox
    assert mail.locale == "fr" and "Insultes" in mail.body and "Reason" not in mail.body


def test_a_block_that_ended_lets_the_person_write_again(client, report_as):
    person = create_user()
    person.blocked_at = utcnow() - timedelta(days=10)
    person.blocked_reason = "Spam"
    person.blocked_until = utcnow() + timedelta(days=1)
    db.session.commit()
    assert report_as(person, "comment", create_comment().id).status_code == 403
    person.blocked_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert report_as(person, "comment", create_comment().id).status_code == 303


def test_moderators_cannot_open_the_block_page_of_an_admin(client, login_as):
    login_as(Role.MODERATOR)
    admin = create_user(roles=(Role.ADMIN,))
    assert client.get(f"/moderation/users/{admin.id}/block").status_code == 403


def test_queue_offers_block_as_a_confirmation_link_and_unblock_for_blocked_authors(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    author = create_user()
    report = create_report(target=create_comment(author=author))
    page = client.get(f"/moderation/reports/{report.id}").get_data(as_text=True)
    assert f'href="/moderation/users/{author.id}/block?next=' in page
    author.blocked_at = utcnow()
    author.blocked_reason = "Spam"
    author.blocked_until = utcnow() - timedelta(days=1)
    db.session.commit()
    # An ended block is no block.
    page = client.get(f"/moderation/reports/{report.id}").get_data(as_text=True)
    assert "account blocked" not in page
    author.blocked_until = None
    db.session.commit()
    page = client.get(f"/moderation/reports/{report.id}").get_data(as_text=True)
    assert "account blocked" in page and f'action="/moderation/users/{author.id}/unblock"' in page


def test_blocked_people_see_why_they_cannot_write(client):
    person = create_user(locale="en")
    person.blocked_at = utcnow()
    person.blocked_reason = "Messages publicitaires"
    person.blocked_until = utcnow() + timedelta(days=3)
    db.session.commit()
    comment = create_comment()
    log_in(client, person)
    page = client.get(f"/proposals/{comment.proposal_id}").get_data(as_text=True)
    assert "Your account is blocked until" in page and "Reason: Messages publicitaires" in page
    assert 'id="new-comment"' not in page
    refused = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}")
    assert refused.status_code == 403
    assert "Your account is blocked until" in refused.get_data(as_text=True)
    assert "Messages publicitaires" in refused.get_data(as_text=True)
