"""Proposal journeys in a real browser, each page checked with axe-core in French and in English."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import Channel, Proposal
from tests.factories import (
    DEFAULT_PASSWORD,
    create_comment,
    create_district,
    create_edition,
    create_proposal,
    create_user,
)

LANGS = ["fr", "en"]


def _log_in(page, base, user, lang):
    page.goto(f"{base}/login")
    if lang == "en" and page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name=re.compile("English")).click()
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form[action^='/login'] button[type=submit]").click()
    page.wait_for_load_state()


def _photo(tmp_path):
    path = tmp_path / "square.jpg"
    Image.new("RGB", (64, 48), (30, 120, 60)).save(path, format="JPEG")
    return path


@pytest.mark.parametrize("lang", LANGS)
def test_resident_submits_a_proposal_with_an_image_and_sees_it_listed(live_server, page, axe, tmp_path, lang):
    district = create_district(name="Les Tilleuls")
    edition = create_edition(districts=[district])
    user = create_user(locale=lang)
    _log_in(page, live_server, user, lang)
    page.goto(f"{live_server}/editions/{edition.slug}")
    axe.check(page)
    page.goto(f"{live_server}/editions/{edition.slug}/proposals/new")
    axe.check(page)
    page.locator("#title").fill("Jardin partagé des Tilleuls")
    page.locator("#summary").fill("Des bacs potagers au pied des immeubles, ouverts à tous.")
    page.locator("#description").fill("Vingt bacs, un composteur et un abri à outils pour les habitants.")
    page.locator("#district_id").select_option(label="Les Tilleuls")
    page.locator("#estimated_cost").fill("15 000")
    page.locator("#image1").set_input_files(str(_photo(tmp_path)))
    page.locator("#alt1").fill("Le square des Tilleuls aujourd'hui")
    page.locator("button[name=submit_proposal]").click()
    page.wait_for_url(re.compile(r".*/proposals/\d+$"))
    assert page.locator("h1").inner_text() == "Jardin partagé des Tilleuls"
    image = page.get_by_role("img", name="Le square des Tilleuls aujourd'hui")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 64
    axe.check(page)
    page.locator(".breadcrumb a").nth(1).click()
    page.wait_for_url(re.compile(r".*/proposals$"))
    assert page.get_by_role("link", name="Jardin partagé des Tilleuls").is_visible()
    axe.check(page)
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("lang", LANGS)
def test_front_desk_submits_for_a_resident_and_prints_the_receipt(live_server, page, axe, lang):
    edition = create_edition()
    clerk = create_user(roles=(Role.FRONT_DESK,), locale=lang)
    _log_in(page, live_server, clerk, lang)
    page.goto(f"{live_server}/front-desk")
    axe.check(page)
    page.locator(f"a[href='/front-desk/editions/{edition.slug}/proposals/new']").click()
    axe.check(page)
    page.locator("#contact_name").fill("Germaine Lemoine")
    page.locator("#contact").fill("02 97 00 11 22")
    page.locator("#title").fill("Banc devant la boulangerie")
    page.locator("#summary").fill("Un banc pour attendre le bus à l'abri.")
    page.locator("#description").fill("Les personnes âgées attendent debout le bus de 9 h chaque matin.")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/receipt$"))
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Banc devant la boulangerie"))
    assert proposal.channel is Channel.IN_PERSON
    assert proposal.reference in page.locator(".receipt").inner_text()
    axe.check(page)
    # The print button opens the print dialog: record the call instead of blocking on it.
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.locator("[data-print]").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_filtering_the_list_by_district(live_server, browser, axe, lang, javascript):
    north, south = create_district(name="Nord"), create_district(name="Sud")
    edition = create_edition(districts=[north, south])
    create_proposal(edition=edition, title="Projet du nord", district=north)
    create_proposal(edition=edition, title="Projet du sud", district=south)
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB", java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    visitor = context.new_page()
    visitor.goto(f"{live_server}/editions/{edition.slug}/proposals")
    assert visitor.locator("html").get_attribute("lang") == lang
    visitor.locator("#filter-district").select_option(label="Nord")
    if javascript:
        # htmx swaps the list in place and updates the address bar.
        visitor.wait_for_url(re.compile(rf".*district={north.id}.*"))
        visitor.get_by_role("link", name="Projet du sud").wait_for(state="detached")
    else:
        visitor.locator("form.filters button[type=submit]").click()
        visitor.wait_for_url(re.compile(rf".*district={north.id}.*"))
    assert visitor.get_by_role("link", name="Projet du nord").is_visible()
    assert visitor.get_by_role("link", name="Projet du sud").count() == 0
    filtered_url = visitor.url
    context.close()
    # axe needs script: the same filtered page is checked in a script-enabled tab of the same language.
    checker = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    page = checker.new_page()
    page.goto(filtered_url)
    assert page.locator("html").get_attribute("lang") == lang
    axe.check(page)
    checker.close()


@pytest.mark.parametrize("lang", LANGS)
def test_moderator_hides_a_reported_comment(live_server, page, axe, lang):
    proposal = create_proposal()
    comment = create_comment(proposal=proposal, body="Commentaire injurieux à masquer")
    reporter = create_user(locale=lang)
    _log_in(page, live_server, reporter, lang)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    axe.check(page)
    page.locator(f"#comment-{comment.id} a[href*='/moderation/report']").click()
    axe.check(page)
    page.locator("input[name=reason][value=offensive]").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.locator("form[action='/logout'] button").click()
    page.wait_for_load_state()

    moderator = create_user(roles=(Role.MODERATOR,), locale=lang)
    _log_in(page, live_server, moderator, lang)
    page.goto(f"{live_server}/moderation")
    assert "Commentaire injurieux" in page.locator("main").inner_text()
    axe.check(page)
    page.locator("form[action*='/hide'] button[type=submit]").first.click()
    # Hiding asks for confirmation first (swapped in place of the queue entry).
    confirm = page.locator("form[action*='/hide'] input[name=confirmed] ~ button[type=submit]")
    confirm.wait_for()
    axe.check(page)
    confirm.click()
    page.wait_for_load_state()
    axe.check(page)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    # Moderators still read it, under the notice that says it is hidden; everyone else sees the notice only.
    assert page.locator(".moderation-placeholder").count() == 1
    axe.check(page)
    page.context.clear_cookies()
    page.goto(f"{live_server}/proposals/{proposal.id}")
    assert "Commentaire injurieux à masquer" not in page.locator("main").inner_text()
    assert page.locator(".moderation-placeholder").count() == 1
    assert not page.console_errors, page.console_errors
