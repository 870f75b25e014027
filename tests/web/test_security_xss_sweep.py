"""Every stored text a person or staff member can write, set to markup and script links, then every GET route
walked (pages and htmx fragments) as an administrator, who sees the most: nothing comes out unescaped."""

from __future__ import annotations

import pytest

from civic.accounts.roles import Role
from civic.core import audit
from civic.core.time import utcnow
from civic.core.town import SETTINGS_ID, TownSettings, forget_town_identity
from civic.extensions import db
from civic.town.models import PageKind, TownPage
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

TAG = "<img src=x onerror=alert(1)>"
QUOTED = '"><img src=x onerror=alert(2)>'
MARKDOWN = f"[clic](javascript:alert(3)) [data](data:text/html,x) <script>alert(4)</script> {TAG}"
DANGERS = ("<img src=x", "<script>alert", 'href="javascript:', 'href="data:')


def _seed(app):
    pool = create_vote_pool(name="Urne " + TAG)
    run = create_tally_run(pool=pool)
    run.withdrawal_reason = TAG
    edition = pool.edition
    edition.name = "Édition " + QUOTED
    edition.description = MARKDOWN
    edition.rules_text = MARKDOWN
    if edition.themes:
        edition.themes[0].name = "Thème " + QUOTED
    district = create_district(name="Quartier " + QUOTED)
    author = create_user(display_name="Nom " + QUOTED)
    proposal = create_proposal(
        edition=edition, author=author, title="Titre " + QUOTED, summary=QUOTED + " résumé"
    )
    proposal.description = MARKDOWN
    proposal.address = QUOTED
    image = add_image(proposal)
    image.alt_text = QUOTED
    image.original_name = QUOTED + ".jpg"
    comment = create_comment(proposal=proposal, author=author, body=MARKDOWN)
    create_comment(proposal=proposal, parent=comment, body=QUOTED)
    report = create_report(target=comment, text=MARKDOWN)
    author.blocked_reason = QUOTED
    for lang in ("fr", "en"):
        db.session.add(TownPage(kind=PageKind("charter"), lang=lang, body=MARKDOWN, updated_at=utcnow()))
    audit.record(
        actor_id=author.id,
        action="x" + QUOTED,
        target_type="proposal",
        target_id=proposal.id,
        after={"v": TAG},
    )
    db.session.add(TownSettings(id=SETTINGS_ID, name="Ville " + QUOTED))
    db.session.commit()
    review = _seed_review(proposal, author)
    sheet = create_tally_sheet(pool=pool, place="Bureau " + QUOTED)
    call, project, need, pledge, campaign, delegation = create_commons_call(
        title="Appel " + QUOTED, text=QUOTED
    )
    with app.app_context():
        forget_town_identity()
    return {
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


def _seed_review(proposal, author):
    """A submitted analysis whose every text (service, explanations, changes, note, reply) is markup."""
    from civic.analysis import services
    from civic.analysis.rules import Verdict
    from tests.analysis.factories import analyst_user, manager_user

    manager, analyst = manager_user(), analyst_user(display_name="Analyste " + QUOTED)
    service = services.create_service(actor=manager, name="Service " + QUOTED)
    review = services.open_review(actor=manager, proposal=proposal)
    services.assign(actor=manager, review=review, service=service, analysts=[analyst], due_on=None)
    data = services.ReviewInput(
        verdict=Verdict.FEASIBLE_WITH_CHANGES,
        public_explanation=MARKDOWN,
        cost_estimate_cents=100_00,
        cost_explanation=QUOTED,
        proposed_changes=MARKDOWN,
    )
    services.save_review(actor=analyst, review=review, data=data)
    services.submit_review(actor=analyst, review=review)
    services.add_note(actor=analyst, review=review, body=MARKDOWN)
    services.reply(actor=author, review=review, body=QUOTED, accepts_changes=False)
    db.session.commit()
    return review


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FRONT_DESK])
def test_no_stored_text_comes_out_as_markup(app, client, role):
    samples = _seed(app)
    log_in(client, create_user(roles=(role,), display_name="Staff " + QUOTED))
    # The texts are really there, escaped (the sweep would pass vacuously otherwise).
    assert "Ville &#34;&gt;&lt;img" in client.get("/").get_data(as_text=True)
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in (rule.methods or set()) and rule.endpoint != "static":
                urls.append(app.url_for(rule.endpoint, **{a: samples[a]() for a in rule.arguments}))
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            if response.mimetype not in {"text/html", "text/css"}:
                response.close()
                continue
            body = response.get_data(as_text=True)
            for danger in DANGERS:
                at = body.find(danger)
                assert at < 0, (
                    f"GET {url} (htmx={bool(headers)}) as {role}: {body[max(0, at - 300) : at + 80]}"
                )
