"""Results pages and the staff counting pages pass axe in French and English; a count runs in the background."""

from __future__ import annotations

import re

import pytest

from civic.accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, create_tally_run, create_user, create_vote_pool


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_staff_count_publish_and_public_results(live_server, page, axe, lang):
    pool = create_vote_pool()
    create_tally_run(pool=pool, rule="mes")
    create_tally_run(pool=pool, rule="phragmen")
    admin = create_user(roles=(Role.ADMIN,), locale=lang)
    page.goto(f"{live_server}/login")
    page.locator("#email").fill(admin.email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form[action^='/login'] button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/staff/editions/{pool.edition.slug}/counts")
    axe.check(page)
    page.locator(f"#rule-{pool.id}").select_option("greedy")
    page.locator(f"form[action='/staff/pools/{pool.id}/runs'] button").click()
    page.wait_for_url(re.compile(r".*/staff/runs/\d+$"))
    # htmx polls the status until the background count is done, then shows the publish button.
    publish = page.locator("form[action$='/publish'] button")
    publish.wait_for(state="visible")
    axe.check(page)
    publish.click()
    page.wait_for_url(re.compile(r".*/results$"))
    assert "Aire de jeux" in page.locator("main").inner_text()
    axe.check(page)
    page.locator("a[href$='tab=compare']").click()
    page.wait_for_url(re.compile(r".*tab=compare$"))
    axe.check(page)
    assert not page.console_errors, page.console_errors
