"""The moderators' queue: reports grouped by content, filters, HTMX fragment, escaping, access."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.extensions import db
from civic.moderation.models import Report, ReportState
from civic.proposals.models import Comment
from tests.conftest import csrf_token
from tests.factories import create_comment, create_edition, create_proposal, create_report, create_user
from tests.moderation.conftest import XSS

ESCAPED_XSS = "&#34;&gt;&lt;svg onload=alert(1)&gt;"


def _comment_in(edition, body: str) -> Comment:
    return create_comment(proposal=create_proposal(edition=edition), body=body)


@pytest.mark.parametrize("role", [r for r in Role if r not in {Role.MODERATOR, Role.FACILITATOR, Role.ADMIN}])
def test_non_moderators_get_403_on_the_queue_and_every_decision(client, login_as, role):
    login_as(role)
    report = create_report()
    author = create_user()
    token = csrf_token(client)
    assert client.get("/moderation").status_code == 403
    assert client.get(f"/moderation/reports/{report.id}").status_code == 403
    for path in (
        f"/moderation/reports/{report.id}/hide",
        f"/moderation/reports/{report.id}/dismiss",
        f"/moderation/reports/{report.id}/restore",
        f"/moderation/users/{author.id}/block",
        f"/moderation/users/{author.id}/unblock",
    ):
        response = client.post(path, data={"csrf_token": token, "reason": "spam"})
        assert response.status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Report, report.id).state is ReportState.OPEN
    assert db.session.get(User, author.id).blocked_at is None


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/moderation")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_queue_groups_reports_by_content(client, login_as, role):
    login_as(role, locale="en")
    edition = create_edition(name="Budget des quartiers 2026")
    comment = _comment_in(edition, "Un commentaire douteux")
    create_report(target=comment, reason="spam", text="Publicité")
    create_report(target=comment, reason="spam")
    create_report(target=comment, reason="offensive")
    create_report(target=create_proposal(edition=edition, title="Projet signalé"), reason="off_topic")
    page = client.get("/moderation").get_data(as_text=True)
    assert "2 reported items" in page
    assert page.count('class="moderation-item"') == 2
    assert "Un commentaire douteux" in page and "Projet signalé" in page and "Publicité" in page
    assert "Spam or advertising: 2" in page and "Offensive or hateful: 1" in page and "Off-topic: 1" in page
    assert "Budget des quartiers 2026" in page and "First report" in page and "Last report" in page
    assert f'id="moderation-item-comment-{comment.id}"' in page


def test_queue_shows_auto_hidden_content_and_author_state(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    author = create_user(display_name="Auteur Bloqué")
    comment = create_comment(author=author)
    comment.hidden_at, comment.hidden_reason = comment.created_at, "pending_review"
    author.blocked_at = comment.created_at
    db.session.commit()
    create_report(target=comment)
    page = client.get("/moderation").get_data(as_text=True)
    assert "Hidden automatically, waiting for a decision" in page
    assert "Auteur Bloqué" in page and "account blocked" in page and "Unblock the author" in page
    assert "Dismiss the reports and show the content again" in page


def _filtered(client, query: str, *, hx: bool) -> str:
    response = client.get(f"/moderation?{query}", headers={"HX-Request": "true"} if hx else {})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert ("<html" in body) is not hx
    assert 'id="moderation-queue"' in body
    return body


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
def test_filters_by_edition_reason_and_state(client, login_as, hx):
    moderator = login_as(Role.MODERATOR, locale="en")
    first, second = create_edition(), create_edition()
    spam = _comment_in(first, "Commentaire spam")
    create_report(target=spam, reason="spam")
    rude = _comment_in(second, "Commentaire grossier")
    create_report(target=rude, reason="offensive")
    decided = _comment_in(first, "Commentaire déjà traité")
    old = create_report(target=decided, reason="personal_data")
    old.state, old.decided_by_id, old.decided_at = ReportState.DISMISSED, moderator.id, old.created_at
    db.session.commit()

    body = _filtered(client, "", hx=hx)
    assert "Commentaire spam" in body and "Commentaire grossier" in body and "déjà traité" not in body
    body = _filtered(client, f"edition={second.id}", hx=hx)
    assert "Commentaire grossier" in body and "Commentaire spam" not in body
    body = _filtered(client, "reason=spam", hx=hx)
    assert "Commentaire spam" in body and "Commentaire grossier" not in body
    body = _filtered(client, "state=dismissed", hx=hx)
    assert "déjà traité" in body and "Commentaire spam" not in body and "Reports dismissed on" in body
    assert (
        _filtered(client, f"state=dismissed&edition={second.id}", hx=hx).count('class="moderation-item"') == 0
    )


def test_queue_page_has_a_live_filter_form_that_works_without_javascript(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    edition = create_edition(name="Édition filtrable")
    page = client.get(f"/moderation?edition={edition.id}&reason=offensive").get_data(as_text=True)
    assert 'method="get" action="/moderation"' in page
    assert 'hx-get="/moderation"' in page and 'hx-target="#moderation-queue"' in page
    assert '<label for="queue-edition">Edition</label>' in page
    assert f'<option selected value="{edition.id}">Édition filtrable</option>' in page
    assert '<option selected value="offensive">' in page
    # Optional filters must not be marked required, or "All reasons" could not be submitted.
    assert "required" not in page.split('class="filters"')[1].split("</form>")[0]


def test_unknown_filter_values_are_ignored(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    create_report(target=create_comment(body="Toujours listé"))
    page = client.get("/moderation?edition=abc&reason=nope&state=zzz&page=-3").get_data(as_text=True)
    assert "Toujours listé" in page


def test_queue_is_paginated_and_keeps_filters(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    edition = create_edition()
    for n in range(21):
        create_report(target=_comment_in(edition, f"Commentaire numéro {n:02d}"), reason="spam")
    first = client.get(f"/moderation?edition={edition.id}").get_data(as_text=True)
    assert "21 reported items" in first and "Page 1 of 2" in first
    assert first.count('class="moderation-item"') == 20 and "Commentaire numéro 00" in first
    assert f"/moderation?page=2&amp;edition={edition.id}&amp;reason=&amp;state=open" in first
    second = client.get(f"/moderation?page=2&edition={edition.id}").get_data(as_text=True)
    assert second.count('class="moderation-item"') == 1 and "Commentaire numéro 20" in second


def test_report_text_and_content_are_never_rendered_unescaped(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    comment = create_comment(body=XSS, author=create_user(display_name=XSS))
    report = create_report(target=comment, reason="other", text=XSS)
    create_report(target=create_proposal(title=XSS, summary=XSS), text=XSS)
    for url, headers in (
        ("/moderation", {}),
        ("/moderation", {"HX-Request": "true"}),
        ("/moderation?reason=other", {}),
        (f"/moderation/reports/{report.id}", {}),
        (f"/moderation/reports/{report.id}", {"HX-Request": "true"}),
    ):
        body = client.get(url, headers=headers).get_data(as_text=True)
        assert XSS not in body and "<svg" not in body, url
        assert ESCAPED_XSS in body, url


def test_item_page_lists_every_report_of_the_content(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    comment = create_comment(body="Contenu du signalement")
    first = create_report(target=comment, text="Premier motif")
    create_report(target=comment, text="Second motif")
    response = client.get(f"/moderation/reports/{first.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert "Premier motif" in page and "Second motif" in page and "Read the 2 reports" in page
    assert client.get("/moderation/reports/999999").status_code == 404


def test_reports_of_deleted_content_can_still_be_dismissed(client, login_as):
    login_as(Role.MODERATOR, locale="en")
    comment = create_comment()
    report = create_report(target=comment)
    db.session.delete(db.session.get(Comment, comment.id))
    db.session.commit()
    page = client.get("/moderation").get_data(as_text=True)
    assert "Content deleted since it was reported" in page and "Hide the content" not in page
    token = csrf_token(client, "/moderation")
    assert (
        client.post(f"/moderation/reports/{report.id}/dismiss", data={"csrf_token": token}).status_code == 303
    )
    assert db.session.scalars(select(Report.state)).all() == [ReportState.DISMISSED]
