"""Hidden content through every GET route: a moderator-hidden proposal (title, summary, image alt text) and a
hidden comment are walked through every page and fragment, with their own ids, by every role that is neither
an author nor a moderator. None of them sees a word of it (front-desk, analyst and organiser staff included)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from civic.accounts.roles import Role
from tests.conftest import log_in
from tests.factories import (
    create_comment,
    create_commons_call,
    create_district,
    create_proposal,
    create_report,
    create_tally_run,
    create_tally_sheet,
    create_user,
    create_vote_pool,
)
from tests.moderation.seeding import add_image, hide

MARKERS = ("Titre-Masqué-Secret", "Résumé masqué et secret", "Commentaire-masqué-secret", "Légende-masquée")
ROLES = [None, Role.RESIDENT, Role.FRONT_DESK, Role.ANALYST, Role.ORGANISER, Role.FUNDER]


def _seed() -> dict[str, Callable[[], object]]:
    pool = create_vote_pool(name="Urne visible")
    run = create_tally_run(pool=pool)
    edition = pool.edition
    proposal = create_proposal(edition=edition, title=MARKERS[0], summary=MARKERS[1] + " pour le test.")
    image = add_image(proposal)
    image.alt_text = MARKERS[3]
    visible = create_proposal(edition=edition, title="Projet visible")
    comment = create_comment(proposal=visible, body=MARKERS[2])
    create_comment(proposal=visible, parent=comment, body="Réponse visible")
    report = create_report(target=comment)
    hide(proposal)
    hide(comment)
    from tests.analysis.factories import create_review

    review = create_review(proposal=proposal, state="submitted")
    sheet = create_tally_sheet(pool=pool)
    call, project, need, pledge, campaign, delegation = create_commons_call()
    return {
        "edition_slug": lambda: edition.slug,
        "edition_id": lambda: edition.id,
        "proposal_id": lambda: proposal.id,
        "comment_id": lambda: comment.id,
        "image_id": lambda: image.id,
        "report_id": lambda: report.id,
        "pool_id": lambda: pool.id,
        "run_id": lambda: run.id,
        "user_id": lambda: proposal.author_id,
        "coauthor_id": lambda: 0,
        "token": lambda: "not-a-token",
        "filename": lambda: "css/civic.css",
        "answer": lambda: "accept",
        "district_id": lambda: create_district().id,
        "theme_id": lambda: edition.themes[0].id if edition.themes else 0,
        "kind": lambda: "charter",
        "review_id": lambda: review.id,
        "sheet_id": lambda: sheet.id,
        "call_slug": lambda s=call.slug: s,
        "commons_project_id": lambda i=project.id: i,
        "need_id": lambda i=need.id: i,
        "pledge_id": lambda i=pledge.id: i,
        "campaign_id": lambda i=campaign.id: i,
        "delegation_id": lambda i=delegation.id: i,
        # Pre-selection days, results and attachments hold no hidden or unpublished text of their own here.
        "result_id": lambda: 999_999,
        "session_id": lambda: 999_999,
        "attachment_id": lambda: 999_999,
    }


def _get_urls(app: Flask, samples: dict[str, Callable[[], object]]) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
                continue
            missing = [a for a in rule.arguments if a not in samples]
            assert not missing, f"route {rule.rule} needs a sample for {missing} here"
            urls.append(app.url_for(rule.endpoint, **{name: samples[name]() for name in rule.arguments}))
    # Search and list pages with part of the hidden title as the query (the page may echo the query).
    slug = samples["edition_slug"]()
    urls += [f"/editions/{slug}/proposals?q=Masqué", "/front-desk?q=Titre-Masqu", "/front-desk?q=BP"]
    return urls


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_page_shows_hidden_content_to_non_moderators(app, client, role):
    samples = _seed()
    if role is not None:
        log_in(client, create_user(roles=(role,)))
    for url in _get_urls(app, samples):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            body = response.get_data().decode("utf-8", "replace")
            response.close()
            for marker in MARKERS:
                assert marker not in body, f"GET {url} as {role} (htmx={bool(headers)}) shows {marker!r}"


def test_front_desk_search_does_not_find_hidden_proposals_by_their_words(client):
    proposal = create_proposal(title="Zorglub fontaine du lavoir")
    hide(proposal)
    log_in(client, create_user(roles=(Role.FRONT_DESK,)))
    for query in ("fontaine", "lavoir"):  # words of the title, not the marker (the page echoes the query)
        assert "Zorglub" not in client.get(f"/front-desk?q={query}").get_data(as_text=True)
        assert "Zorglub" not in client.get(f"/front-desk?q={query}", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )


def test_front_desk_pages_of_a_hidden_proposal_are_not_found(client):
    proposal = create_proposal(title=MARKERS[0])
    hide(proposal)
    log_in(client, create_user(roles=(Role.FRONT_DESK,)))
    for page in ("receipt", "correct", "withdraw"):
        response = client.get(f"/front-desk/proposals/{proposal.id}/{page}")
        assert response.status_code == 404 and MARKERS[0] not in response.get_data(as_text=True), page


def test_moderating_admin_still_gets_the_receipt_of_a_hidden_proposal(client):
    proposal = create_proposal(title=MARKERS[0])
    hide(proposal)
    log_in(client, create_user(roles=(Role.ADMIN,)))
    assert client.get(f"/front-desk/proposals/{proposal.id}/receipt").status_code == 200
