"""Destructive actions ask first: a confirmation page without JavaScript, a <dialog> with it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from civic.extensions import db
from civic.proposals.models import Proposal, ProposalStatus
from tests.browser.helpers import log_in
from tests.factories import create_proposal, create_user


def _status(proposal_id: int) -> ProposalStatus:
    db.session.expire_all()
    return db.session.scalar(select(Proposal.status).where(Proposal.id == proposal_id))


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_withdrawing_a_proposal_asks_in_a_dialog(live_server, page, axe, lang, width):
    page.set_viewport_size({"width": width, "height": 800})
    author = create_user(locale=lang)
    proposal = create_proposal(author=author, title="Un abri à vélos")
    log_in(page, live_server, author)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    page.locator(f"form[action='/proposals/{proposal.id}/withdraw'] button.danger").click()
    dialog = page.locator("dialog.confirm-dialog")
    dialog.wait_for()
    assert "Un abri à vélos" in dialog.locator("h2").inner_text()
    assert page.evaluate("document.activeElement.matches('dialog a.secondary')")  # the safe choice
    assert page.evaluate(
        "document.querySelector('dialog').getBoundingClientRect().width <= window.innerWidth"
    )
    axe.check(page)
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert _status(proposal.id) is ProposalStatus.SUBMITTED
    page.locator(f"form[action='/proposals/{proposal.id}/withdraw'] button.danger").click()
    page.locator("dialog.confirm-dialog button.danger").click()
    page.wait_for_url(re.compile(rf".*/proposals/{proposal.id}$"))
    assert page.locator(".flash-success").count() == 1
    assert _status(proposal.id) is ProposalStatus.WITHDRAWN
    axe.check(page)
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_without_javascript_the_confirmation_is_a_page(live_server, browser, axe, lang):
    author = create_user(locale=lang)
    proposal = create_proposal(author=author, title="Un abri à vélos")
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, author)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    page.locator(f"form[action='/proposals/{proposal.id}/withdraw'] button.danger").click()
    page.wait_for_url(re.compile(r".*/withdraw\??$"))
    assert "Un abri à vélos" in page.locator("h1").inner_text()
    # The confirmation itself fits a phone (the site header is the interface work's own concern).
    assert page.evaluate("document.querySelector('#main').scrollWidth <= window.innerWidth")
    assert _status(proposal.id) is ProposalStatus.SUBMITTED
    page.locator("#main button.danger").click()
    page.wait_for_url(re.compile(rf".*/proposals/{proposal.id}$"))
    assert _status(proposal.id) is ProposalStatus.WITHDRAWN
    context.close()
    checker = browser.new_context()
    checked = checker.new_page()
    log_in(checked, live_server, author)
    checked.goto(f"{live_server}/proposals/{proposal.id}/withdraw")
    axe.check(checked)
    checker.close()


def test_going_back_from_the_confirmation_page_changes_nothing(live_server, page):
    author = create_user(locale="en")
    draft = create_proposal(author=author, status="draft", title="Mon brouillon")
    log_in(page, live_server, author)
    page.goto(f"{live_server}/proposals/{draft.id}/delete")
    page.locator("#main a.secondary").click()
    page.wait_for_url(re.compile(rf".*/proposals/{draft.id}$"))
    assert page.locator("h1").inner_text() == "Mon brouillon"
