"""Moderation and front-desk pages in a real browser: axe clean in French and English, the hide
confirmation reached through htmx, the receipt and its QR code fitting a phone screen."""

from __future__ import annotations

import pytest

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import InPersonContact
from tests.browser.helpers import log_in
from tests.factories import create_comment, create_edition, create_proposal, create_report, create_user
from tests.moderation.seeding import hide


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_moderation_and_front_desk_pages_have_no_axe_violations(live_server, page, axe, lang):
    edition = create_edition()
    staff = create_user(roles=(Role.MODERATOR, Role.FRONT_DESK), locale=lang)
    author = create_user(display_name="Autrice Signalée")
    comment = create_comment(author=author, proposal=create_proposal(edition=edition))
    report = create_report(target=comment)
    hidden = create_comment(proposal=comment.proposal)
    hidden_report = create_report(target=hidden)
    hide(hidden)
    in_person = create_proposal(edition=edition, channel="in_person", title="Banc devant la boulangerie")
    in_person.private_contact = InPersonContact(name="Germaine", contact="06 12 34 56 78")
    db.session.commit()
    log_in(page, live_server, staff)
    for path in (
        f"/moderation/users/{author.id}/block",
        f"/moderation/reports/{hidden_report.id}/restore",
        f"/moderation/report?target_type=comment&target_id={comment.id}",
        "/front-desk",
        f"/front-desk?q={in_person.reference}",
        f"/front-desk/proposals/{in_person.id}/receipt",
        f"/front-desk/proposals/{in_person.id}/correct",
        f"/front-desk/proposals/{in_person.id}/withdraw",
        "/front-desk/contacts",
    ):
        page.goto(live_server + path)
        axe.check(page)
    # Hiding from the queue: the confirmation replaces the entry, then the decision does.
    page.goto(f"{live_server}/moderation/reports/{report.id}")
    page.locator(f"#moderation-item-comment-{comment.id} form[action$='/hide'] button").click()
    confirm = page.locator(f"#moderation-item-comment-{comment.id}.moderation-confirm")
    confirm.wait_for()
    axe.check(page)
    confirm.locator("button.danger").click()
    page.locator(f"#moderation-item-comment-{comment.id}:not(.moderation-confirm)").wait_for()
    assert page.locator(f"#moderation-item-comment-{comment.id} a[href*='/restore']").count() == 1
    assert not page.console_errors, page.console_errors


def test_receipt_fits_a_phone_screen(live_server, browser):
    proposal = create_proposal(channel="in_person")
    clerk = create_user(roles=(Role.FRONT_DESK,), locale="fr")
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 800})
    page = context.new_page()
    log_in(page, live_server, clerk)
    page.goto(f"{live_server}/front-desk/proposals/{proposal.id}/receipt")
    assert page.locator("svg.qr-code[role=img]").count() == 1
    # The receipt itself (address, code) stays inside the screen; the site header is another lane's.
    rights = page.evaluate(
        "Array.from(document.querySelectorAll('article.receipt, article.receipt *'))"
        ".map(e => e.getBoundingClientRect().right)"
    )
    assert max(rights) <= 375
    context.close()
