"""The town-hall channel in a browser (axe, fr at 375 px and en at 1280 px): an officer records a participation
and issues a ticket, replaces it when it is lost, the kiosk casts the new one; two officers type a paper sheet
and it is accepted; the minutes."""

from __future__ import annotations

import re
from datetime import date

import pytest

from civic.accounts.roles import Role
from civic.eligibility import services as roll_services
from civic.extensions import db
from civic.voting import mixer
from civic.voting.ballot_rules import BallotFormat
from civic.voting.models import Ballot, BallotChannel
from tests.browser.helpers import log_in
from tests.browser.test_vote_journey import NO_SIDEWAYS_SCROLL, _shots
from tests.factories import create_user
from tests.voting.test_filling import _ballot

BIRTH = date(1975, 3, 9)


def _context(browser, lang, width):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    return context, page


def _record(page, base, edition, identifier, medium):
    page.goto(f"{base}/front-desk/editions/{edition.slug}/in-person")
    page.locator("#identifier").fill(identifier)
    page.locator("#birth_date").fill(BIRTH.isoformat())
    page.locator("#place").fill("Mairie")
    page.locator(f"input[name=medium][value={medium}]").check()
    page.locator("main form[action$='/in-person'] button[type=submit]").click()
    page.wait_for_load_state()


def _type_sheet(page, jardin):
    page.locator(f"input[name='b1-project'][value='{jardin}']").check()
    page.locator("button[name=step][value=save]").click()
    page.wait_for_url(re.compile(r".*/sheets/\d+$"))


@pytest.mark.parametrize(("lang", "width"), [("fr", 375), ("en", 1280)])
def test_an_officer_a_kiosk_and_two_officers_typing_a_paper_sheet(
    live_server, page, browser, axe, app, lang, width, tmp_path
):
    edition, _pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    desk = create_user(roles=(Role.FRONT_DESK,))
    for identifier in ("CNI-5005", "CNI-6006"):
        roll_services.add_in_person(
            actor=desk, edition=edition, identifier=identifier, birth_date=BIRTH, district_id=None
        )
    first = create_user(roles=(Role.FRONT_DESK,), locale=lang)
    second = create_user(roles=(Role.FRONT_DESK,), locale=lang)
    db.session.commit()
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, first)

    # The officer finds the person, records the participation and gets the kiosk ticket.
    page.goto(f"{live_server}/front-desk/editions/{edition.slug}/in-person")
    axe.check(page)
    _record(page, live_server, edition, "CNI-5005", "kiosk")
    ticket = page.locator(".ticket-code code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", ticket), ticket
    axe.check(page)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll on the ticket at {width}px"
    page.screenshot(path=str(shots / f"townhall-ticket-{lang}-{width}.png"), full_page=True)
    # Again for the same person: refused, with the channel and the day.
    _record(page, live_server, edition, "CNI-5005", "paper")
    refusal = page.locator("#identifier-error").inner_text()
    assert ("à la mairie" in refusal) if lang == "fr" else ("at the town hall" in refusal), refusal
    axe.check(page)
    _record(page, live_server, edition, "CNI-6006", "paper")
    axe.check(page)
    # The voter lost the ticket: the officer checks the document again and gives a new one.
    page.goto(f"{live_server}/front-desk/editions/{edition.slug}/in-person")
    page.locator("#lost-ticket summary").click()
    axe.check(page)
    page.locator("#lost-identifier").fill("CNI-5005")
    page.locator("#lost-birth_date").fill(BIRTH.isoformat())
    page.locator("form[action*='/new-ticket'] button[type=submit]").click()
    page.wait_for_load_state()
    lost, ticket = ticket, page.locator(".ticket-code code").inner_text()
    assert ticket != lost and re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", ticket), ticket
    axe.check(page)
    page.screenshot(path=str(shots / f"townhall-new-ticket-{lang}-{width}.png"), full_page=True)

    # A device becomes the kiosk (the officer is logged out there); the voter casts with the ticket.
    kiosk_context, kiosk = _context(browser, lang, width)
    try:
        log_in(kiosk, live_server, first)
        kiosk.goto(f"{live_server}/front-desk/editions/{edition.slug}/in-person")
        kiosk.locator("form[action$='/kiosk'] button[type=submit]").click()
        kiosk.wait_for_url(re.compile(r".*/kiosk$"))
        axe.check(kiosk)
        assert kiosk.locator("nav.site-nav").count() == 0
        kiosk.locator("#ticket").fill(lost)  # the lost ticket no longer works
        kiosk.locator("main form button[type=submit]").first.click()
        kiosk.wait_for_load_state()
        assert kiosk.locator("#ticket-error").count() == 1, kiosk.content()[:2000]
        kiosk.locator("#ticket").fill(ticket.lower())
        kiosk.locator("main form button[type=submit]").first.click()
        kiosk.wait_for_url(re.compile(r".*/kiosk/ballots/\d+$"))
        kiosk.get_by_label(re.compile("Jardin")).check()
        kiosk.locator("#basket strong").wait_for(state="visible")
        axe.check(kiosk)
        assert kiosk.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll on the kiosk at {width}px"
        kiosk.screenshot(path=str(shots / f"townhall-kiosk-{lang}-{width}.png"), full_page=True)
        kiosk.locator("form[hx-post] button[type=submit]").click()
        kiosk.wait_for_url(re.compile(r".*/kiosk/review$"))
        axe.check(kiosk)
        kiosk.clock.install()  # time flows as usual; fast_forward below jumps over the two minutes
        kiosk.locator("form[action$='/kiosk/cast'] button[type=submit]").click()
        kiosk.wait_for_url(re.compile(r".*/kiosk/done$"))
        axe.check(kiosk)
        tracker = kiosk.locator(".receipt-trackers code").first.inner_text()
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", tracker), tracker
        if lang == "fr":  # left alone, the screen clears itself for the next voter
            kiosk.clock.fast_forward(121_000)
        else:
            kiosk.locator("main a[href$='/kiosk']").click()
        kiosk.wait_for_url(re.compile(r".*/kiosk$"))
        assert kiosk.locator("#ticket").input_value() == ""
    finally:
        kiosk_context.close()
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    assert db.session.query(Ballot).filter_by(channel=BallotChannel.IN_PERSON).count() == 1

    # Two officers type the same paper sheet, each on their own: it is accepted.
    page.goto(f"{live_server}/front-desk/editions/{edition.slug}/sheets")
    axe.check(page)
    page.locator("#place").fill("Mairie")
    page.locator("#number").fill("1")
    page.locator("#ballots").fill("1")
    page.locator("main form[method=get] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/sheets/new\?.*"))
    axe.check(page)
    page.screenshot(path=str(shots / f"townhall-sheet-{lang}-{width}.png"), full_page=True)
    _type_sheet(page, ids["Jardin"])
    axe.check(page)
    sheet_url = page.url
    other_context, other = _context(browser, lang, width)
    try:
        log_in(other, live_server, second)
        other.goto(sheet_url)
        other.locator("main a[href*='/sheets/new']").click()
        other.wait_for_url(re.compile(r".*/sheets/new\?.*"))
        _type_sheet(other, ids["Jardin"])
        axe.check(other)
        assert other.locator("main [role=status] strong").count() == 1
    finally:
        other_context.close()
    db.session.expire_all()
    assert db.session.query(Ballot).filter_by(channel=BallotChannel.PAPER).count() == 1

    # The polling place's minutes: the figures add up; the remarks are saved; printable.
    page.goto(f"{live_server}/front-desk/editions/{edition.slug}/minutes")
    axe.check(page)
    page.locator("main a[href*='/minutes/place']").first.click()
    page.wait_for_url(re.compile(r".*/minutes/place\?place=Mairie$"))
    axe.check(page)
    page.locator("#remarks").fill("RAS." if lang == "fr" else "Nothing to report.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/minutes/place\?place=Mairie$"))
    axe.check(page)
    figures = page.locator(".minutes-figures dd").all_inner_texts()
    assert figures == ["1", "1", "1", "0"], figures  # kiosk, paper participations; paper ballots, blank
    assert page.locator(".minutes-problems").count() == 0
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll on the minutes at {width}px"
    page.screenshot(path=str(shots / f"townhall-minutes-{lang}-{width}.png"), full_page=True)
    assert not page.console_errors, page.console_errors
