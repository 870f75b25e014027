"""Staff set the ballot settings and build a district's ballot; the public sees it (axe, fr and en, 375/1280 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import ProposalStatus
from civic.proposals.services import change_status
from tests.browser.helpers import log_in
from tests.factories import create_district, create_edition, create_proposal, create_user

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CIVIC_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _edition():
    nord, sud = create_district(name="Nord"), create_district(name="Sud")
    edition = create_edition(name="Budget participatif 2027", districts=[nord, sud], open_phase="analysis")
    for share in edition.districts:
        share.envelope_cents = 50_000_00
    for title, cost in (
        ("Jardin partagé des Lilas", 12_000_00),
        ("Bancs le long du canal", 3_500_00),
        ("Fresque de l'école Jean-Jaurès, avec les enfants du quartier", 8_000_00),
    ):
        proposal = create_proposal(edition=edition, district=nord, title=title)
        proposal.estimated_cost_cents = cost
        change_status(actor=None, proposal=proposal, status=ProposalStatus.FEASIBLE)
    db.session.commit()
    return edition, nord


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_staff_build_a_district_ballot_and_the_public_sees_it(
    live_server, page, browser, axe, lang, tmp_path
):
    edition, nord = _edition()
    shots = _shots(tmp_path)
    admin = create_user(roles=(Role.ADMIN,), locale=lang)
    log_in(page, live_server, admin)

    page.goto(f"{live_server}/staff/editions/{edition.slug}/ballot")
    axe.check(page)
    page.locator(f"a[href='/staff/editions/{edition.slug}/ballot/settings']").first.click()
    page.wait_for_url(re.compile(r".*/ballot/settings$"))
    axe.check(page)
    # Toulouse 2019: 7 points, 3 at most per project. A cap above the total comes back (422), input kept.
    page.locator("#ballot_format-3").check()
    page.locator("#total_points").fill("7")
    page.locator("#max_points_per_project").fill("9")
    page.locator("form[action$='/ballot/settings'] button[type=submit]").click()
    page.locator("#max_points_per_project[aria-invalid='true']").wait_for(state="visible")
    assert page.locator("#total_points").input_value() == "7"
    axe.check(page)
    page.set_viewport_size({"width": 375, "height": 900})
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "sideways scroll on the settings form at 375px"
    page.screenshot(path=str(shots / f"ballot-settings-{lang}-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#max_points_per_project").fill("3")
    page.locator("form[action$='/ballot/settings'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/ballot$"))
    axe.check(page)

    page.locator(f"a[href='/staff/editions/{edition.slug}/ballot/districts/{nord.id}']").click()
    page.wait_for_url(re.compile(r".*/ballot/districts/\d+$"))
    assert page.locator("input[name=proposal]:checked").count() == 3
    axe.check(page)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"ballot-build-{lang}-{width}.png"), full_page=True)
    page.locator("input[name=proposal]").nth(1).uncheck()
    assert page.locator("input[name=proposal]:checked").count() == 2, page.locator(
        "input[name=proposal]:checked"
    ).count()
    page.locator("form:has(input[name=step][value=preview]) button").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Bancs le long du canal" not in main.split("Aper")[-1].split("Preview")[-1], main
    axe.check(page)
    page.screenshot(path=str(shots / f"ballot-preview-{lang}-1280.png"), full_page=True)
    page.locator("form:has(input[name=step][value=build]) button").click()
    page.wait_for_url(re.compile(r".*/ballot$"))
    assert ("2 projets" if lang == "fr" else "2 projects") in page.locator(
        "section[aria-labelledby=ballots-title]"
    ).inner_text()
    axe.check(page)

    # The public, in its own browser: the edition page links to the district's ballot.
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    public = context.new_page()
    public.goto(f"{live_server}/editions/{edition.slug}")
    public.locator(f"a[href='/editions/{edition.slug}/ballot/districts/{nord.id}']").click()
    public.wait_for_url(re.compile(r".*/ballot/districts/\d+$"))
    text = public.locator("main").inner_text()
    assert "Jardin partagé des Lilas" in text and "Bancs le long du canal" not in text
    assert ("7 points" in text) and ("aléatoire" in text if lang == "fr" else "random order" in text)
    axe.check(public)
    for width in (375, 1280):
        public.set_viewport_size({"width": width, "height": 900})
        assert public.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scroll at {width}px"
        public.screenshot(path=str(shots / f"ballot-public-{lang}-{width}.png"), full_page=True)
    context.close()
    assert not page.console_errors, page.console_errors
