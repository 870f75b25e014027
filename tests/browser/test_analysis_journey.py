"""Technical analysis in the browser: an analyst writes a verdict, the holder answers, the manager
publishes a batch, the public sees the verdict on the timeline; axe clean in French and English, on a
phone (375 px) and a desktop (1280 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from civic.analysis import services
from civic.extensions import db
from tests.analysis.factories import analyst_user, create_review, manager_user
from tests.browser.helpers import log_in
from tests.factories import create_edition, create_proposal, create_user

SHOTS = Path(os.environ.get("CIVIC_SCREENSHOTS", "/tmp/civic-analysis-shots"))
WIDTHS = (375, 1280)


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll})"


def _as(browser, lang: str):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error"
            and not m.text.startswith("Failed to load resource: the server responded with a status of 4")
            else None
        ),
    )
    page.console_errors = errors
    return context, page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_verdict_goes_from_the_analyst_to_the_holder_to_the_public(live_server, browser, axe, lang):
    edition = create_edition(open_phase="analysis")
    holder = create_user(locale=lang, display_name="Camille Porteuse")
    proposal = create_proposal(edition=edition, author=holder, title="Jardin partagé rue des Lilas")
    analyst = analyst_user(locale=lang, display_name="Anouk Analyste")
    manager = manager_user(locale=lang, display_name="Mathis Analyses")
    review = services.open_review(actor=manager, proposal=proposal)
    services.assign(actor=manager, review=review, service=None, analysts=[analyst], due_on=None)
    db.session.commit()
    other = create_review(state="validated", manager=manager, reply="Merci")
    other.edition_id = edition.id
    other.proposal.edition_id = edition.id
    db.session.commit()

    # The analyst writes the verdict; a bad amount comes back with its error, the typed text kept.
    context, page = _as(browser, lang)
    log_in(page, live_server, analyst)
    page.goto(f"{live_server}/staff/analysis")
    axe.check(page)
    page.locator(f"a[href='/staff/analysis/reviews/{review.id}']").click()
    page.wait_for_url(re.compile(rf".*/staff/analysis/reviews/{review.id}$"))
    axe.check(page)
    page.locator("#verdict-1").check()
    page.locator("#public_explanation").fill("Faisable si le jardin est clôturé.")
    page.locator("#cost_low").fill("12 000")
    page.locator("#cost_estimate").fill("abc")
    page.locator("#cost_high").fill("18 000")
    page.locator("#proposed_changes").fill("Clôturer le jardin et fermer le portail la nuit.")
    page.locator("button[name=action][value=submit]").click()
    page.locator("#cost_estimate[aria-invalid='true']").wait_for()
    assert page.locator("#cost_estimate").input_value() == "abc"
    axe.check(page)
    _shoot(page, f"{lang}-review-form-error")
    page.locator("#cost_estimate").fill("15 000,50" if lang == "fr" else "15,000.50")
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_url(re.compile(rf".*/staff/analysis/reviews/{review.id}$"))
    axe.check(page)
    context.close()

    # Nothing is public yet.
    context, page = _as(browser, lang)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    text = page.locator("main").inner_text()
    assert "Clôturer le jardin" not in text
    assert ("Analyse technique en cours" if lang == "fr" else "Technical analysis in progress") in text
    context.close()

    # The holder sees the draft and accepts the changes.
    context, page = _as(browser, lang)
    log_in(page, live_server, holder)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    assert "Clôturer le jardin" in page.locator("#analysis-reply").inner_text()
    axe.check(page)
    _shoot(page, f"{lang}-holder-draft")
    page.locator("#analysis-reply #body").fill("D'accord, nous fermerons le portail.")
    page.locator("#analysis-reply #accepts_changes").check()
    page.locator("#analysis-reply button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/proposals/{proposal.id}(#analysis-reply)?$"))
    assert "D'accord, nous fermerons le portail." in page.locator("#analysis-reply").inner_text()
    axe.check(page)
    context.close()

    # The manager validates, then publishes a batch of two after a confirmation page.
    context, page = _as(browser, lang)
    log_in(page, live_server, manager)
    page.goto(f"{live_server}/staff/analysis/reviews/{review.id}")
    page.locator(f"form[action='/staff/analysis/reviews/{review.id}/validate'] button").click()
    page.wait_for_url(re.compile(rf".*/staff/analysis/reviews/{review.id}$"))
    axe.check(page)
    page.goto(f"{live_server}/staff/analysis/editions/{edition.slug}/publish")
    assert page.locator("input[name=review_ids]").count() == 2
    axe.check(page)
    _shoot(page, f"{lang}-publish-batch")
    page.locator("form[action$='/publish'] button[type=submit]").click()
    page.locator("input[name=confirmed][value=yes]").wait_for(state="attached")
    axe.check(page)
    _shoot(page, f"{lang}-publish-confirm")
    page.locator("form:has(input[name=confirmed][value=yes]) button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/staff/analysis/editions/{edition.slug}$"))
    axe.check(page)
    context.close()

    # The public sees the verdict, its cost range and the holders' answer on the timeline.
    context, page = _as(browser, lang)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    timeline = page.locator(".timeline").inner_text()
    assert ("Réalisable avec modifications" if lang == "fr" else "Feasible with changes") in timeline
    assert "D'accord, nous fermerons le portail." in timeline
    assert "12" in timeline and "18" in timeline
    axe.check(page)
    _shoot(page, f"{lang}-public-timeline")
    assert not page.console_errors, page.console_errors
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_manager_merges_a_duplicate_and_moves_a_status_with_confirmation(live_server, browser, axe, lang):
    edition = create_edition(open_phase="analysis")
    duplicate = create_proposal(edition=edition, title="Composteur collectif (doublon)")
    target = create_proposal(edition=edition, title="Composteurs de quartier")
    manager = manager_user(locale=lang)
    waiting = create_review(state="to_assign", manager=manager)
    context, page = _as(browser, lang)
    log_in(page, live_server, manager)
    # The manager's other screens: services, an edition's overview, a review still to assign.
    page.goto(f"{live_server}/staff/analysis/services")
    page.locator("#name").fill("Espaces verts")
    page.locator("form[action='/staff/analysis/services'] button").click()
    page.wait_for_url(re.compile(r".*/staff/analysis/services$"))
    axe.check(page)
    page.goto(f"{live_server}/staff/analysis/editions/{waiting.edition.slug}")
    axe.check(page)
    page.goto(f"{live_server}/staff/analysis/reviews/{waiting.id}")
    axe.check(page)
    _shoot(page, f"{lang}-review-to-assign")
    page.goto(f"{live_server}/staff/analysis/proposals/{duplicate.id}/merge")
    axe.check(page)
    page.locator("#target_id").select_option(str(target.id))
    page.locator("#reason").fill("Même projet, même quartier.")
    page.locator("form[action$='/merge'] button[type=submit]").click()
    page.locator("input[name=confirmed][value=yes]").wait_for(state="attached")
    axe.check(page)
    _shoot(page, f"{lang}-merge-confirm")
    page.locator("form[action$='/merge'] button.danger").click()
    page.wait_for_url(re.compile(rf".*/proposals/{target.id}$"))
    # The duplicate's page now redirects here and says why.
    page.goto(f"{live_server}/proposals/{duplicate.id}")
    page.wait_for_url(re.compile(rf".*/proposals/{target.id}$"))
    main = page.locator("body").inner_text()
    assert "Même projet, même quartier." in main and "Composteur collectif (doublon)" in main
    axe.check(page)
    _shoot(page, f"{lang}-merged-target")
    # A status move needs its public reason: the form comes back with the error, then goes through.
    page.goto(f"{live_server}/staff/analysis/proposals/{target.id}/status")
    axe.check(page)
    page.locator("#status-not_preselected").check()
    page.locator("form[action$='/status'] button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    axe.check(page)
    _shoot(page, f"{lang}-status-error")
    page.locator("#public_reason").fill(
        "Moins de 10 soutiens." if lang == "fr" else "Fewer than 10 supports."
    )
    page.locator("form[action$='/status'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/proposals/{target.id}$"))
    assert not page.console_errors, page.console_errors
    context.close()
