"""An unpublished edition shows nothing through any page: every GET route of the app, walked with the ids
of its proposal, comments, image, report, results and people, answers 404 (or the login / 403 of a staff
page) and never a word of its content, to anonymous visitors and residents alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from civic.accounts.roles import Role
from civic.extensions import db
from civic.processes.models import Theme
from civic.proposals.models import CoAuthor
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
from tests.moderation.seeding import add_image

CONTENT_ARGS = frozenset(
    {
        "edition_slug",
        "edition_id",
        "proposal_id",
        "comment_id",
        "image_id",
        "report_id",
        "pool_id",
        "run_id",
        "review_id",
        "sheet_id",
        "call_slug",
        "commons_project_id",
        "need_id",
        "pledge_id",
        "campaign_id",
        "delegation_id",
    }
)
STAFF_ROLE = {"moderator": Role.MODERATOR, "front desk": Role.FRONT_DESK, "analyst": Role.ANALYST}
MARKERS = ("Projet-Fantôme-Non-Publié", "Commentaire-fantôme", "Réponse-fantôme", "Aire de jeux")


def _seed_unpublished() -> tuple[dict[str, Callable[[], object]], object, object]:
    pool = create_vote_pool(name="Edition fantôme")
    run = create_tally_run(pool=pool)
    edition = pool.edition
    edition.published = False
    db.session.commit()
    author = create_user(display_name="Autrice Fantôme")
    proposal = create_proposal(edition=edition, author=author, title=MARKERS[0])
    comment = create_comment(proposal=proposal, body=MARKERS[1])
    create_comment(proposal=proposal, parent=comment, body=MARKERS[2])
    image = add_image(proposal)
    report = create_report(target=comment)
    district = create_district()
    theme = Theme(edition=edition, name="Thème fantôme")
    db.session.add(theme)
    db.session.commit()
    from tests.analysis.factories import create_review

    review = create_review(proposal=proposal, state="submitted")
    sheet = create_tally_sheet(pool=pool, place="Bureau fantôme")
    # A draft appel à communs: only organisers see it (its project's texts carry the first marker).
    call, project, need, pledge, campaign, delegation = create_commons_call(
        title="Appel fantôme", published=False, text=MARKERS[0]
    )
    samples: dict[str, Callable[[], object]] = {
        "edition_slug": lambda: edition.slug,
        "edition_id": lambda: edition.id,
        "proposal_id": lambda: proposal.id,
        "comment_id": lambda: comment.id,
        "image_id": lambda: image.id,
        "report_id": lambda: report.id,
        "pool_id": lambda: pool.id,
        "run_id": lambda: run.id,
        "user_id": lambda: author.id,
        "coauthor_id": lambda: 0,
        "token": lambda: "not-a-token",
        "filename": lambda: "css/civic.css",
        "answer": lambda: "accept",
        "district_id": lambda: district.id,
        "theme_id": lambda: theme.id,
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
    return samples, proposal, author


def _get_urls(app: Flask, samples: dict[str, Callable[[], object]]) -> list[tuple[str, bool]]:
    """Return (url, names seeded content) for every GET route."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
                continue
            if rule.endpoint.startswith("accounts.export"):
                continue  # the person's own data export holds what they wrote, published or not (GDPR)
            missing = [a for a in rule.arguments if a not in samples]
            assert not missing, f"route {rule.rule} needs a sample for {missing} here"
            values = {name: samples[name]() for name in rule.arguments}
            urls.append((app.url_for(rule.endpoint, **values), bool(CONTENT_ARGS & rule.arguments)))
    return urls


@pytest.mark.parametrize(
    "who", ["anonymous", "resident", "invited co-author", "author", "moderator", "front desk", "analyst"]
)
def test_no_page_shows_anything_of_an_unpublished_edition(app, client, who):
    samples, proposal, author = _seed_unpublished()
    if who == "author":
        log_in(client, author)
    elif who in STAFF_ROLE:
        log_in(client, create_user(roles=(STAFF_ROLE[who],)))
    elif who != "anonymous":
        visitor = create_user(roles=(Role.RESIDENT,))
        if who == "invited co-author":
            db.session.add(CoAuthor(proposal_id=proposal.id, user_id=visitor.id, invited_email=visitor.email))
            db.session.commit()
        log_in(client, visitor)
    urls = _get_urls(app, samples)
    assert len(urls) > 20
    for url, names_content in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            body = response.get_data().decode("utf-8", "replace")  # the export zip is binary
            response.close()
            where = f"GET {url} as {who} (htmx={bool(headers)})"
            # A person's own data export lists what they wrote or were invited to, whatever the edition.
            own_export = url.startswith("/account/export") and who in {"author", "invited co-author"}
            for marker in () if own_export else MARKERS:
                assert marker not in body, f"{where} shows {marker!r}"
            if not names_content:
                continue
            status = response.status_code
            if status == 302:
                assert response.headers["Location"].startswith("/login"), where
            else:
                # 403: a staff page refused before it looks anything up.
                assert status in {403, 404}, f"{where}: {status}"
