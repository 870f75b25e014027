"""Residents report proposals and comments; enough distinct reports hide the content pending review."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.errors import Conflict, PermissionDenied
from civic.core.time import utcnow
from civic.extensions import db
from civic.moderation import queries, services
from civic.moderation.models import Report, ReportReason, ReportState, ReportTarget
from civic.moderation.permissions import can_write
from civic.proposals.models import CoAuthor, Comment, Proposal
from tests.conftest import csrf_token
from tests.factories import (
    create_coauthor_invitation,
    create_comment,
    create_proposal,
    create_report,
    create_user,
)


def _reports() -> list[Report]:
    db.session.expire_all()
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_report_form_is_an_accessible_fieldset_of_reasons(client, login_as):
    login_as(locale="en")
    comment = create_comment(body="Un commentaire à signaler")
    response = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<fieldset" in page and "<legend>Why are you reporting this?" in page
    assert page.count('type="radio"') == len(ReportReason)
    assert 'value="off_topic"' in page and "Personal data" in page
    assert f'href="/proposals/{comment.proposal_id}#comment-{comment.id}">Go back</a>' in page
    assert "Un commentaire à signaler" in page
    assert 'required="None"' not in page and '<textarea aria-describedby="text-hint" id="text"' in page


def test_resident_reports_a_comment_and_goes_back_with_thanks(client, login_as, report_as):
    resident = create_user(locale="en")
    comment = create_comment()
    response = report_as(resident, "comment", comment.id, reason="off_topic", text="Nothing to do with it")
    assert response.status_code == 303
    # Back to the comment on its proposal's page, whatever ``next`` said.
    assert response.headers["Location"] == f"/proposals/{comment.proposal_id}#comment-{comment.id}"
    assert "Thank you, moderators will review it." in client.get("/").get_data(as_text=True)
    [report] = _reports()
    assert (report.target_type, report.target_id, report.reporter_id) == (
        ReportTarget.COMMENT,
        comment.id,
        resident.id,
    )
    assert report.reason is ReportReason.OFF_TOPIC and report.text == "Nothing to do with it"
    assert report.state is ReportState.OPEN and report.edition_id == comment.proposal.edition_id
    [entry] = _audit("moderation.report")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (resident.id, "comment", str(comment.id))


def test_report_goes_back_to_the_content_page_never_to_next(client, login_as):
    login_as()
    proposal = create_proposal()
    token = csrf_token(client, f"/moderation/report?target_type=proposal&target_id={proposal.id}")
    response = client.post(
        "/moderation/report",
        data={
            "csrf_token": token,
            "target_type": "proposal",
            "target_id": proposal.id,
            "reason": "spam",
            "next": "https://evil.example.com/",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/proposals/{proposal.id}"


def test_anonymous_visitors_are_sent_to_login(client):
    comment = create_comment()
    response = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_reporting_the_same_content_twice_is_a_clear_conflict(client, report_as):
    resident = create_user(locale="en")
    comment = create_comment()
    assert report_as(resident, "comment", comment.id).status_code == 303
    again = report_as(resident, "comment", comment.id, reason="offensive")
    assert again.status_code == 409
    assert "You have already reported this content." in again.get_data(as_text=True)
    assert len(_reports()) == 1
    page = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}").get_data(as_text=True)
    assert "You have already reported this content." in page and "<fieldset" not in page


def test_other_reason_needs_an_explanation(report_as):
    resident = create_user(locale="en")
    comment = create_comment()
    response = report_as(resident, "comment", comment.id, reason="other", text="   ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'Please explain the problem when you choose "Other reason".' in page.replace("&#34;", '"')
    assert 'aria-invalid="true"' in page
    assert report_as(resident, "comment", comment.id, reason="", text="").status_code == 422
    assert _reports() == []
    assert (
        report_as(resident, "comment", comment.id, reason="other", text="Insults in Basque").status_code
        == 303
    )


def test_missing_unknown_or_unpublished_content_cannot_be_reported(client, login_as):
    login_as()
    draft = create_proposal(status="draft")
    for query in (
        "",
        "target_type=comment&target_id=999999",
        "target_type=user&target_id=1",
        f"target_type=proposal&target_id={draft.id}",
        "target_type=proposal&target_id=abc",
    ):
        assert client.get(f"/moderation/report?{query}").status_code == 404, query


def test_blocked_user_cannot_report(client, login_as):
    resident = login_as(locale="en")
    comment = create_comment()
    url = f"/moderation/report?target_type=comment&target_id={comment.id}"
    token = csrf_token(client, url)
    resident.blocked_at = utcnow()
    db.session.commit()
    assert not can_write(resident)
    assert client.get(url).status_code == 403
    data = {"csrf_token": token, "target_type": "comment", "target_id": comment.id, "reason": "spam"}
    assert client.post("/moderation/report", data=data).status_code == 403
    assert _reports() == []


def test_report_service_refuses_blocked_accounts(app):
    blocked = create_user()
    blocked.blocked_at = utcnow()
    db.session.commit()
    comment = create_comment()
    # The refusal message is a lazy translation: it needs a request to pick a language.
    with current_app.test_request_context(), pytest.raises(PermissionDenied):
        services.report_content(
            actor=blocked,
            target_type=ReportTarget.COMMENT,
            target_id=comment.id,
            reason=ReportReason.SPAM,
            text="",
        )


def test_three_distinct_reporters_hide_a_comment_pending_review(report_as, outbox):
    author = create_user(locale="en", email="author@example.org")
    comment = create_comment(author=author, body="Texte signalé")
    first, second, third = create_user(), create_user(), create_user()
    assert report_as(first, "comment", comment.id).status_code == 303
    assert report_as(second, "comment", comment.id, reason="offensive").status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None
    # The same person reporting again is refused and does not count.
    assert report_as(first, "comment", comment.id).status_code == 409
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None
    assert outbox == []

    assert report_as(third, "comment", comment.id).status_code == 303
    db.session.expire_all()
    hidden = db.session.get(Comment, comment.id)
    assert hidden.hidden_at is not None and hidden.hidden_reason == "pending_review"
    [entry] = _audit("moderation.auto_hide")
    assert entry.actor_id is None and (entry.target_type, entry.target_id) == ("comment", str(comment.id))
    assert entry.after == {"hidden_reason": "pending_review", "open_reports": 3}
    [mail] = outbox
    assert (mail.to, mail.locale, mail.subject) == (
        "author@example.org",
        "en",
        "Your comment has been hidden",
    )
    assert "It is hidden until a moderator reviews it." in mail.body and "Texte signalé" in mail.body


def test_the_auto_hide_threshold_is_a_setting(app, report_as):
    app.config["MODERATION_AUTO_HIDE_REPORTS"] = 1
    comment = create_comment()
    assert report_as(create_user(), "comment", comment.id).status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_reason == "pending_review"


def test_hidden_content_cannot_be_reported_again(app, report_as):
    app.config["MODERATION_AUTO_HIDE_REPORTS"] = 1
    comment = create_comment()
    report_as(create_user(), "comment", comment.id)
    assert report_as(create_user(), "comment", comment.id).status_code == 409


def test_auto_hidden_proposal_notifies_author_and_accepted_coauthors_only(app, report_as, outbox):
    app.config["MODERATION_AUTO_HIDE_REPORTS"] = 1
    author = create_user(email="author@example.org")
    proposal = create_proposal(author=author, title="Un banc sous le tilleul")
    accepted = create_coauthor_invitation(
        proposal=proposal, user=create_user(email="co@example.org", locale="en")
    )
    db.session.get(CoAuthor, accepted.id).accepted_at = utcnow()
    db.session.commit()
    create_coauthor_invitation(proposal=proposal, user=create_user(email="invited@example.org"))
    assert report_as(create_user(), "proposal", proposal.id).status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).hidden_reason == "pending_review"
    assert sorted((m.to, m.locale) for m in outbox) == [
        ("author@example.org", "fr"),
        ("co@example.org", "en"),
    ]
    english = next(m for m in outbox if m.locale == "en")
    assert english.subject == "Your proposal has been hidden" and "Un banc sous le tilleul" in english.body


def test_in_person_proposal_without_author_is_hidden_without_mail(app, report_as, outbox):
    app.config["MODERATION_AUTO_HIDE_REPORTS"] = 1
    proposal = create_proposal(channel="in_person")
    assert report_as(create_user(), "proposal", proposal.id).status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).is_hidden
    assert outbox == []


def test_deleted_author_gets_no_mail(app, report_as, outbox):
    app.config["MODERATION_AUTO_HIDE_REPORTS"] = 1
    author = create_user()
    comment = create_comment(author=author)
    author.email, author.display_name, author.deleted_at = None, None, utcnow()
    db.session.commit()
    assert report_as(create_user(), "comment", comment.id).status_code == 303
    assert outbox == []


def test_staff_can_report_too(report_as):
    moderator = create_user(roles=(Role.MODERATOR,))
    assert report_as(moderator, "comment", create_comment().id).status_code == 303


def test_simultaneous_duplicate_reports_are_caught_by_the_database(app, monkeypatch):
    reporter = create_user()
    comment = create_comment()
    create_report(target=comment, reporter=reporter)
    # As if the other request had inserted its report between our check and our insert.
    monkeypatch.setattr(queries, "has_reported", lambda **_: False)
    with current_app.test_request_context(), pytest.raises(Conflict):
        services.report_content(
            actor=reporter,
            target_type=ReportTarget.COMMENT,
            target_id=comment.id,
            reason=ReportReason.SPAM,
            text="",
        )
    assert len(_reports()) == 1
