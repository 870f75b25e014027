"""Hidden content stays hidden: no page, fragment, form, search or image shows it but to its authors
(under a notice) and to the moderators."""

from __future__ import annotations

import pytest

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import Comment
from tests.conftest import csrf_token, log_in
from tests.factories import create_comment, create_edition, create_proposal, create_user
from tests.moderation.seeding import add_image, hide

SECRET = "Texte-masqué-secret"


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_hidden_comment_is_not_readable_through_its_edit_form(client):
    author = create_user()
    comment = create_comment(author=author, body=SECRET)
    hide(comment)
    for who in (author, create_user()):
        log_in(client, who)
        response = client.get(f"/comments/{comment.id}/edit")
        assert response.status_code == 404 and SECRET not in _text(response)
        response = client.get(f"/comments/{comment.id}/edit", headers={"HX-Request": "true"})
        assert response.status_code == 404 and SECRET not in _text(response)


def test_someone_elses_comment_edit_form_is_refused(client, login_as):
    comment = create_comment(body=SECRET)
    login_as()
    response = client.get(f"/comments/{comment.id}/edit")
    assert response.status_code == 403 and SECRET not in _text(response)


def test_hidden_comment_cannot_be_edited_by_its_author(client):
    author = create_user()
    comment = create_comment(author=author, body="Premier jet")
    hide(comment)
    log_in(client, author)
    token = csrf_token(client, f"/proposals/{comment.proposal_id}")
    response = client.post(
        f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": "Nouveau texte"}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Premier jet"


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_hidden_proposal_history_and_images_are_not_found(client, who):
    proposal = create_proposal(title=SECRET, description=SECRET)
    image = add_image(proposal)
    hide(proposal)
    if who == "resident":
        log_in(client, create_user())
    for path in (f"/proposals/{proposal.id}/history", f"/proposals/{proposal.id}/images/{image.id}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert SECRET not in _text(response)
    detail = _text(client.get(f"/proposals/{proposal.id}"))
    assert SECRET not in detail and "masqu" in detail.lower()


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.FACILITATOR])
def test_moderators_still_read_hidden_proposals_with_a_notice(client, role):
    proposal = create_proposal(title=SECRET)
    image = add_image(proposal)
    hide(proposal)
    log_in(client, create_user(roles=(role,), locale="en"))
    assert SECRET in _text(client.get(f"/proposals/{proposal.id}/history"))
    served = client.get(f"/proposals/{proposal.id}/images/{image.id}")
    served.close()
    assert served.status_code == 200
    detail = _text(client.get(f"/proposals/{proposal.id}"))
    assert SECRET in detail and "This content was hidden by the moderators" in detail


def test_author_reads_own_hidden_proposal_but_cannot_edit_it(client):
    author = create_user(locale="en")
    proposal = create_proposal(author=author, title=SECRET)
    hide(proposal)
    log_in(client, author)
    detail = _text(client.get(f"/proposals/{proposal.id}"))
    assert SECRET in detail and "This content was hidden by the moderators" in detail
    assert client.get(f"/proposals/{proposal.id}/history").status_code == 200
    edit = client.get(f"/proposals/{proposal.id}/edit")
    assert edit.status_code == 403 and "hidden by the moderators" in _text(edit)


def test_report_page_of_a_comment_under_a_hidden_proposal_is_not_found(client, login_as):
    proposal = create_proposal(title=SECRET)
    comment = create_comment(proposal=proposal)
    hide(proposal)
    login_as()
    response = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}")
    assert response.status_code == 404 and SECRET not in _text(response)


def test_report_page_of_a_hidden_comment_does_not_show_it(client, login_as):
    comment = create_comment(body=SECRET)
    hide(comment)
    login_as()
    response = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}")
    assert SECRET not in _text(response)


@pytest.mark.parametrize("query", ["", SECRET, "masqué"])
def test_hidden_proposals_leave_the_list_and_its_search(client, query):
    edition = create_edition()
    hidden = create_proposal(edition=edition, title=SECRET, summary="Un résumé masqué")
    create_proposal(edition=edition, title="Projet visible", summary="Un résumé masqué aussi")
    hide(hidden)
    for headers in ({}, {"HX-Request": "true"}):
        page = _text(
            client.get(f"/editions/{edition.slug}/proposals", query_string={"q": query}, headers=headers)
        )
        # (The search box repeats the query itself.)
        assert f'href="/proposals/{hidden.id}"' not in page and page.count(SECRET) <= (
            1 if query == SECRET else 0
        )
        assert "Projet visible" in page or query == SECRET


def test_hidden_comment_replies_and_hidden_replies_stay_hidden_from_the_public(client):
    proposal = create_proposal()
    parent = create_comment(proposal=proposal, body=SECRET)
    create_comment(proposal=proposal, parent=parent, body="Réponse qui cite " + SECRET)
    visible = create_comment(proposal=proposal, body="Un avis visible")
    hidden_reply = create_comment(proposal=proposal, parent=visible, body="Réponse masquée " + SECRET)
    hide(parent)
    hide(hidden_reply)
    for who in (None, create_user()):
        if who is not None:
            log_in(client, who)
        page = _text(client.get(f"/proposals/{proposal.id}"))
        assert SECRET not in page
        assert "Un avis visible" in page
        assert page.count('class="moderation-placeholder"') == 2


def test_hidden_comment_is_readable_by_its_author_and_moderators_under_a_notice(client):
    author = create_user(locale="en")
    comment = create_comment(author=author, body=SECRET)
    hide(comment)
    for who in (author, create_user(roles=(Role.MODERATOR,), locale="en")):
        log_in(client, who)
        page = _text(client.get(f"/proposals/{comment.proposal_id}"))
        assert SECRET in page and "This comment was hidden by the moderators" in page
        # No report, reply nor edit action on hidden content.
        assert (
            f"target_type=comment&amp;target_id={comment.id}" not in page
            and f'id="reply-{comment.id}"' not in page
        )


def test_a_hidden_comment_cannot_be_answered(client):
    parent = create_comment()
    hide(parent)
    log_in(client, create_user())
    token = csrf_token(client, f"/proposals/{parent.proposal_id}")
    response = client.post(
        f"/proposals/{parent.proposal_id}/comments",
        data={"csrf_token": token, "body": "Je réponds quand même", "parent_id": str(parent.id)},
    )
    assert response.status_code == 404
    assert db.session.query(Comment).filter_by(parent_id=parent.id).count() == 0
