"""Destructive actions ask first on a page of their own (no JavaScript needed), at phone and desktop widths."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import log_in
from tests.factories import create_proposal, create_user


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_withdrawing_a_proposal_asks_for_confirmation(live_server, page, axe, lang, width):
    page.set_viewport_size({"width": width, "height": 800})
    author = create_user(locale=lang)
    proposal = create_proposal(author=author, title="Un abri à vélos")
    log_in(page, live_server, author)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    withdraw = page.locator(f"form[action='/proposals/{proposal.id}/withdraw'] button.danger")
    withdraw.click()
    page.wait_for_url(re.compile(r".*/withdraw\??$"))
    axe.check(page)
    # The confirmation itself fits a phone (the site header is the interface work's own concern).
    assert page.evaluate("document.querySelector('#main').scrollWidth <= window.innerWidth")
    assert "Un abri à vélos" in page.locator("h1").inner_text()
    page.locator("button.danger").click()
    page.wait_for_url(re.compile(rf".*/proposals/{proposal.id}$"))
    assert page.locator(".flash-success").count() == 1
    axe.check(page)
    assert not page.console_errors, page.console_errors


def test_going_back_from_the_confirmation_changes_nothing(live_server, page):
    author = create_user(locale="en")
    draft = create_proposal(author=author, status="draft", title="Mon brouillon")
    log_in(page, live_server, author)
    page.goto(f"{live_server}/proposals/{draft.id}/delete")
    page.get_by_role("button", name="No, go back").or_(page.get_by_role("link", name="No, go back")).click()
    page.wait_for_url(re.compile(rf".*/proposals/{draft.id}$"))
    assert page.locator("h1").inner_text() == "Mon brouillon"
