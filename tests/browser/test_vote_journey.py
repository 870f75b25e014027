"""A resident on the roll fills in a knapsack ballot (live basket), reviews it, casts it, keeps the tracker
and finds it on the board once sealed (axe, fr and en, 375 and 1280 px)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from civic.accounts.roles import Role
from civic.eligibility import services as roll_services
from civic.extensions import db
from civic.voting import mixer
from civic.voting.ballot_rules import BallotFormat
from tests.browser.helpers import log_in
from tests.factories import create_user
from tests.voting.test_filling import _ballot

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
# Every table of the page fits its column: nothing hidden to the right of a scrolling region.
TABLES_FIT = "[...document.querySelectorAll('main table')].every(t => t.scrollWidth <= t.parentElement.clientWidth + 1)"


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CIVIC_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize(("lang", "width"), [("fr", 375), ("en", 1280)])
def test_a_resident_votes_keeps_the_tracker_and_finds_the_ballot_on_the_board(
    live_server, page, axe, app, lang, width, tmp_path
):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    voter = create_user(locale=lang)
    desk = create_user(roles=(Role.FRONT_DESK,))
    roll_services.add_in_person(
        actor=desk, edition=edition, identifier="CNI-778899", birth_date=date(1990, 2, 2), district_id=None
    )
    roll_services.link_with_identifier(
        actor=voter, edition=edition, identifier="CNI-778899", birth_date=date(1990, 2, 2)
    )
    db.session.commit()
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, voter)

    page.goto(f"{live_server}/editions/{edition.slug}/vote")
    axe.check(page)
    page.locator(f"a[href='/editions/{edition.slug}/vote/{pool.id}']").click()
    page.wait_for_url(re.compile(r".*/vote/\d+$"))
    axe.check(page)
    jardin = page.get_by_label(re.compile("Jardin"))
    bancs = page.get_by_label(re.compile("Bancs"))
    # Over the envelope (300 + 200 > 400 €): the live basket says so before any submit.
    jardin.check()
    bancs.check()
    page.locator("#basket [role=alert]").wait_for(state="visible")
    axe.check(page)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll on the ballot at {width}px"
    page.screenshot(path=str(shots / f"vote-basket-{lang}-{width}.png"), full_page=True)
    bancs.uncheck()
    page.locator("#basket strong").wait_for(state="visible")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/vote/review$"))
    axe.check(page)
    assert (
        "Jardin" in page.locator("main").inner_text()
        and "Bancs" not in page.locator("main .ballot-content").inner_text()
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/vote/receipt$"))
    axe.check(page)
    tracker = page.locator(".receipt-trackers code").first.inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", tracker), tracker
    page.screenshot(path=str(shots / f"vote-receipt-{lang}-{width}.png"), full_page=True)

    # The mixer seals the waiting ballot (here at the close: fewer than 20 wait); the board shows it.
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    page.goto(f"{live_server}/editions/{edition.slug}/board/check")
    page.locator("#tracker").fill(tracker.lower())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/board/check\?tracker=.*"))
    axe.check(page)
    found = page.locator("main").inner_text()
    assert "Jardin" in found and ("lot 1" in found or "batch 1" in found), found
    page.screenshot(path=str(shots / f"vote-check-{lang}-{width}.png"), full_page=True)
    page.goto(f"{live_server}/editions/{edition.slug}/board")
    axe.check(page)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll on the board at {width}px"
    assert page.evaluate(TABLES_FIT), f"a table of the board scrolls at {width}px"
