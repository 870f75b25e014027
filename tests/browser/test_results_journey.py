"""Results pages and the staff counting pages pass axe in French and English; a count runs in the background."""

from __future__ import annotations

import re

import pytest

from civic.accounts.roles import Role
from civic.extensions import db
from civic.results.models import RunState
from civic.results.services import start_run
from tests.browser.helpers import log_in
from tests.browser.test_vote_journey import NO_SIDEWAYS_SCROLL, TABLES_FIT
from tests.factories import create_tally_run, create_user, create_vote_pool


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_staff_count_publish_and_public_results(live_server, page, axe, lang):
    pool = create_vote_pool()
    create_tally_run(pool=pool, rule="mes")
    create_tally_run(pool=pool, rule="phragmen")
    admin = create_user(roles=(Role.ADMIN,), locale=lang)
    log_in(page, live_server, admin)
    page.goto(f"{live_server}/staff/editions/{pool.edition.slug}/counts")
    axe.check(page)
    page.locator(f"#rule-{pool.id}").select_option("greedy")
    page.locator(f"form[action='/staff/pools/{pool.id}/runs'] button").click()
    page.wait_for_url(re.compile(r".*/staff/runs/\d+$"))
    # htmx polls the status until the background count is done, then shows the publish link.
    publish = page.locator("a.danger-action[href$='/publish']")
    publish.wait_for(state="visible")
    axe.check(page)
    run_url = page.url
    publish.click()
    # Publishing is important: a confirmation page (no JavaScript needed) with a danger button.
    page.wait_for_url(re.compile(r".*/staff/runs/\d+/publish$"))
    axe.check(page)
    page.locator("form[action$='/publish'] button.danger").click()
    page.wait_for_url(re.compile(r".*/results$"))
    assert "Aire de jeux" in page.locator("main").inner_text()
    axe.check(page)
    page.locator("a[href$='tab=compare']").click()
    page.wait_for_url(re.compile(r".*tab=compare$"))
    axe.check(page)
    # On a phone the results' tables stack, one block per project: nothing hides to the right.
    page.set_viewport_size({"width": 375, "height": 900})
    for url in (page.url, page.url.split("?")[0]):
        page.goto(url)
        assert page.evaluate(NO_SIDEWAYS_SCROLL) and page.evaluate(TABLES_FIT), f"{url} is too wide at 375px"
        axe.check(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    # Withdraw the publication: a reason is required (the form comes back, 422), then it is public.
    page.goto(run_url)
    page.locator("a.danger-action[href$='/withdraw']").click()
    page.wait_for_url(re.compile(r".*/withdraw$"))
    axe.check(page)
    page.locator("form[action$='/withdraw'] button.danger").click()
    page.locator("textarea[name='reason'][aria-invalid='true']").wait_for(state="visible")
    axe.check(page)
    reason = "Erreur de saisie des bulletins papier" if lang == "fr" else "Paper ballots were mistyped"
    page.locator("textarea[name='reason']").fill(reason)
    page.locator("form[action$='/withdraw'] button.danger").click()
    page.wait_for_url(re.compile(r".*/results$"))
    text = page.locator("main").inner_text()
    assert reason in text and ("retiré le" in text if lang == "fr" else "withdrawn on" in text)
    axe.check(page)
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_staff_follow_and_cancel_a_long_count_with_the_keyboard(live_server, page, axe, lang):
    pool = create_vote_pool()
    analyst = create_user(roles=(Role.ANALYST,), locale=lang)
    run = start_run(actor=analyst, pool=pool, rule="mes-add1-official")
    # As a worker shows it mid-count (this one never finishes by itself).
    run.state, run.progress = RunState.RUNNING, {"steps": 1234, "per_voter": "35049"}
    db.session.commit()
    log_in(page, live_server, analyst)
    page.goto(f"{live_server}/staff/runs/{run.id}")
    assert "1234" in page.locator("main").inner_text()
    axe.check(page)
    cancel = page.locator(f"#run-{run.id}-cancel")
    cancel.focus()
    # htmx replaces the polled status every second: keyboard focus must stay on the same button.
    with page.expect_response(lambda r: r.url.endswith(f"/staff/runs/{run.id}")):
        pass
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement && document.activeElement.id") == f"run-{run.id}-cancel"
    page.keyboard.press("Enter")
    # Cancelling asks for confirmation first, on a page of its own.
    page.wait_for_url(re.compile(rf".*/staff/runs/{run.id}/cancel$"))
    axe.check(page)
    page.locator(f"form[action='/staff/runs/{run.id}/cancel'] button.danger").click()
    page.locator(f"form[action='/staff/runs/{run.id}/rerun'] button").wait_for(state="visible")
    assert page.locator(f"#run-{run.id}-cancel").count() == 0
    axe.check(page)
    assert not page.console_errors, page.console_errors
