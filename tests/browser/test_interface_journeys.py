"""The main pages on a phone (375 px), at 200 % zoom (640 CSS px) and on a desktop (1280 px), in French and
English: no horizontal scroll, axe clean, a keyboard-operable mobile menu, focus kept across htmx swaps."""

from __future__ import annotations

import re

import pytest

from civic.accounts.roles import Role
from civic.extensions import db
from civic.results.services import publish_run
from tests.browser.helpers import log_in
from tests.factories import (
    create_comment,
    create_district,
    create_edition,
    create_proposal,
    create_tally_run,
    create_user,
)

LANGS = ["fr", "en"]
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _demo_town():
    """An edition open for submissions with a proposal and a comment, and an imported, counted vote."""
    district = create_district(name="Kervenec")
    edition = create_edition(name="Budget participatif 2026", districts=[district])
    proposal = create_proposal(edition=edition, district=district, title="Jardin partagé de Kervenec")
    proposal.estimated_cost_cents = 15_000_00
    create_comment(proposal=proposal, body="Très bonne idée pour le quartier.")
    run = create_tally_run(rule="greedy")
    publish_run(actor=create_user(roles=(Role.ADMIN,)), run=run)
    db.session.commit()
    return edition, proposal, run.pool.edition


def _check_widths(page, url, widths):
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), (
            f"{url} scrolls sideways at {width} px: "
            f"{page.evaluate('document.documentElement.scrollWidth')} > {width}"
        )


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("lang", LANGS)
def test_main_pages_fit_the_screen_and_pass_axe(live_server, browser, axe, lang, width):
    edition, proposal, imported = _demo_town()
    context = browser.new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": width, "height": 800}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    widths = [width, 640] if width == 375 else [width]  # 640 CSS px = a 1280 px window at 200 % zoom
    public = [
        "/",
        "/editions",
        f"/editions/{edition.slug}",
        f"/editions/{edition.slug}/proposals",
        f"/proposals/{proposal.id}",
        f"/editions/{imported.slug}/results",
        "/login",
    ]
    for path in public:
        _check_widths(page, live_server + path, widths)
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == lang, path
        axe.check(page)
    log_in(page, live_server, create_user(roles=(Role.ADMIN,), locale=lang))
    for path in ["/styleguide", "/admin/editions", "/admin/users"]:
        _check_widths(page, live_server + path, widths)
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == lang, path
        axe.check(page)
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_style_guide_passes_axe_with_its_dialog_open(live_server, page, axe, lang):
    log_in(page, live_server, create_user(roles=(Role.MODERATOR,), locale=lang))
    page.goto(f"{live_server}/styleguide")
    axe.check(page)
    opener = page.locator("[data-confirm-dialog=sg-dialog]")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#sg-dialog")
    dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    axe.check(page)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.confirmDialog") == "sg-dialog"
    assert not page.console_errors, page.console_errors


def test_the_confirmation_falls_back_to_a_page_without_javascript(live_server, browser):
    user = create_user(roles=(Role.ADMIN,), locale="en")
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(f"{live_server}/styleguide")
    assert not page.locator("#sg-dialog").is_visible()
    page.locator("[data-confirm-dialog=sg-dialog]").click()
    assert page.url.endswith("#sg-confirm")
    assert page.locator("form.confirm-box").is_visible()
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_mobile_menu_opens_and_closes_with_the_keyboard(live_server, browser, axe, lang):
    context = browser.new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": 375, "height": 740}
    )
    page = context.new_page()
    page.goto(f"{live_server}/editions")
    toggle = page.locator(".nav-toggle")
    menu = page.locator("#main-menu")
    assert toggle.is_visible() and not menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('nav-toggle')"):
            break
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')"), (
        "the toggle is not reachable"
    )
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    axe.check(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('#main-menu') !== null")
    assert focused, "the first menu link follows the toggle"
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    page.keyboard.press("Space")
    assert menu.is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    context.close()


def test_the_menu_stays_open_without_javascript_and_the_toggle_is_hidden(live_server, browser):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 375, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server}/editions")
    assert page.locator("#main-menu").is_visible()
    assert not page.locator(".nav-toggle").is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    context.close()


def test_the_desktop_menu_shows_without_a_toggle(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/editions")
    assert page.locator("#main-menu").is_visible() and not page.locator(".nav-toggle").is_visible()


def test_focus_stays_on_the_filter_after_the_live_list_swap(live_server, page):
    north, south = create_district(name="Nord"), create_district(name="Sud")
    edition = create_edition(districts=[north, south])
    create_proposal(edition=edition, title="Projet du nord", district=north)
    create_proposal(edition=edition, title="Projet du sud", district=south)
    page.goto(f"{live_server}/editions/{edition.slug}/proposals")
    search = page.locator("#filter-q")
    search.focus()
    page.keyboard.type("nord")
    page.get_by_role("link", name="Projet du sud").wait_for(state="detached")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "filter-q"
    page.locator("#filter-district").focus()
    page.locator("#filter-district").select_option(label="Nord")
    page.wait_for_url(re.compile(rf".*district={north.id}.*"))
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "filter-district"
    assert not page.console_errors, page.console_errors


def test_focus_moves_to_the_comments_after_posting_one_and_is_announced(live_server, page):
    proposal = create_proposal()
    log_in(page, live_server, create_user(locale="fr"))
    page.goto(f"{live_server}/proposals/{proposal.id}")
    page.locator("#new-comment").fill("Je soutiens ce projet pour les enfants du quartier.")
    page.locator("#comments form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Je soutiens ce projet pour les enfants du quartier.").wait_for()
    page.wait_for_timeout(100)
    # The button was swapped away with the list: focus lands on the new list's heading, not on <body>.
    active = page.evaluate(
        "({tag: document.activeElement.tagName, id: document.activeElement.id,"
        " inside: document.activeElement.closest('#comments') !== null})"
    )
    assert active == {"tag": "H2", "id": "comments-title", "inside": True}, active
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("lang", LANGS)
def test_a_form_sent_back_with_errors_moves_focus_to_its_error_summary(live_server, browser, axe, lang):
    context = browser.new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": 375, "height": 740}
    )
    page = context.new_page()
    page.goto(f"{live_server}/register")
    page.locator("form[action='/register'] button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    # Each entry links to its field, which names its error through aria-describedby.
    first = summary.locator("a").first
    target = first.get_attribute("href")
    first.click()
    assert page.evaluate("'#' + document.activeElement.id") == target
    described = page.locator(target).get_attribute("aria-describedby")
    assert described and page.locator(f"#{described.split()[-1]}").is_visible()
    axe.check(page)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    context.close()
