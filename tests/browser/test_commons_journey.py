"""An appel à communs in the browser, from the launch to the public ledger: an organiser launches a call; a
holder starts a project with needs; a member joins with time; a funder funds the round; the organiser
allocates; a member delegates; the delegate contributes; a project is funded; another is cancelled and its
money given back; the public ledger shows it all. Axe clean in French and English, at 375 px and 1280 px."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from civic.accounts.roles import Role
from tests.browser.helpers import log_in
from tests.factories import create_user

SHOTS = Path(os.environ.get("CIVIC_SCREENSHOTS", "/tmp/civic-commons-shots"))
WIDTHS = (375, 1280)


def _shoot(page, axe, name: str) -> None:
    """Check the page with axe and photograph it at both widths; it never scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        axe.check(page)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll})"


def _as(browser, base, user, lang):
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
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    if user is not None:
        log_in(page, base, user)
    return context, page


def _done(context, page) -> None:
    assert page.console_errors == [], page.console_errors
    context.close()


def _start_project(page, base, slug, title, minimum, maximum, theme, need=None, enter=False):
    page.goto(f"{base}/commons/{slug}/projects/new")
    page.locator("#title").fill(title)
    page.locator("#summary").fill(f"{title} : le résumé.")
    page.locator("#theme").select_option(theme)
    page.locator("#lines-0-label").fill("Matériel")
    page.locator("#lines-0-minimum").fill(minimum)
    page.locator("#lines-0-maximum").fill(maximum)
    if need:
        page.locator("#needs-0-label").fill(need)
        page.locator("#needs-0-kind").select_option("time")
        page.locator("#needs-0-quantity").fill("20")
        page.locator("#needs-0-skill_level").select_option("2")
    if enter:  # Enter in a text field puts the project online (not "add a budget line", the first button)
        page.locator("#lines-0-label").press("Enter")
    else:
        page.locator(
            "form[action$='/projects/new'] button[type=submit]:not([name=more]):not([tabindex])"
        ).click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_call_for_commons_from_launch_to_public_ledger(live_server, browser, axe, lang):
    organiser = create_user(roles=(Role.ORGANISER,), locale=lang, display_name="Odile Communs")
    funder = create_user(roles=(Role.FUNDER,), locale=lang, display_name="Fondation du Littoral")
    holder = create_user(locale=lang, display_name="Yann Porteur")
    anne = create_user(locale=lang, display_name="Anne Membre")
    bruno = create_user(locale=lang, display_name="Bruno Délégué")
    today = date.today()

    # The organiser launches a call; a nonsense date comes back with the typed text kept.
    context, page = _as(browser, live_server, organiser, lang)
    page.goto(f"{live_server}/commons/new")
    page.locator("#title").fill("Se déplacer autrement")
    page.locator("#problem").fill("Trop de trajets courts en voiture.")
    page.locator("#opens_on").fill((today - timedelta(days=1)).isoformat())
    page.locator("#closes_on").fill((today - timedelta(days=9)).isoformat())
    page.locator("#member_project_cap").fill("200")
    page.locator("#themes").fill("Vélo\nTransport solidaire")
    page.locator("form[action$='/commons/new'] button[type=submit]").click()
    page.locator("#closes_on[aria-invalid='true']").wait_for()
    assert page.locator("#problem").input_value() == "Trop de trajets courts en voiture."
    _shoot(page, axe, f"{lang}-call-form-error")
    page.locator("#closes_on").fill((today + timedelta(days=30)).isoformat())
    page.locator("form[action$='/commons/new'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/commons/se-deplacer-autrement$"))
    page.locator("form[action$='/publish'] button").click()
    page.wait_for_url(re.compile(r".*/commons/se-deplacer-autrement$"))
    slug = "se-deplacer-autrement"
    _done(context, page)

    # The holder starts two projects: one with a time need.
    context, page = _as(browser, live_server, holder, lang)
    workshop = _start_project(
        page, live_server, slug, "Atelier vélo", "100", "150", "Vélo", need="mécanique vélo"
    )
    _shoot(page, axe, f"{lang}-project")
    shuttle = _start_project(
        page, live_server, slug, "Navette du soir", "500", "900", "Transport solidaire", enter=True
    )
    _done(context, page)

    # The funder records money into the pool.
    context, page = _as(browser, live_server, funder, lang)
    page.goto(f"{live_server}/commons/{slug}/round")
    page.locator("#fund-amount").fill("1 000")
    page.locator("#fund-funder_name").fill("Fondation du Littoral")
    page.locator("form[action$='/round/fund'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/round$"))
    _done(context, page)

    # Members join (Anne pledges time on the way); the organiser allocates evenly.
    for person in (anne, bruno):
        context, page = _as(browser, live_server, person, lang)
        page.goto(f"{live_server}/commons/{slug}")
        page.locator("form[action$='/join'] button").click()
        page.wait_for_url(re.compile(rf".*/commons/{slug}$"))
        if person is anne:
            page.goto(f"{live_server}/commons/{slug}/projects/{workshop}")
            page.locator("form[action$='/pledge'] input[name=quantity]").fill("8")
            page.locator("form[action$='/pledge'] button").click()
            page.wait_for_url(re.compile(rf".*/projects/{workshop}$"))
            assert "8" in page.locator("#needs-title + ul, .pledges").first.inner_text()
        _done(context, page)
    context, page = _as(browser, live_server, organiser, lang)
    page.goto(f"{live_server}/commons/{slug}/round")
    _shoot(page, axe, f"{lang}-round-desk")
    page.locator("#evenly-amount").fill("120")
    page.locator("form[action$='/allocate-evenly'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/round$"))
    assert "Anne Membre" in page.locator("main").inner_text()
    _done(context, page)

    # Anne delegates 80 € to Bruno and gives 40 € to the shuttle herself.
    context, page = _as(browser, live_server, anne, lang)
    page.goto(f"{live_server}/commons/{slug}")
    page.locator("#delegate").select_option(label="Bruno Délégué")
    page.locator("form[action$='/delegate'] #amount").fill("80")
    page.locator("form[action$='/delegate'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/commons/{slug}(#delegation-title)?$"))
    _shoot(page, axe, f"{lang}-call-member")
    page.goto(f"{live_server}/commons/{slug}/projects/{shuttle}")
    page.locator(f"#project-{shuttle}-funding #amount").fill("40")
    page.locator(f"#project-{shuttle}-funding button[type=submit]").click()
    page.locator(f"#project-{shuttle}-funding").get_by_text(re.compile("40")).first.wait_for()
    _done(context, page)

    # Bruno gives from his own allocation and from Anne's delegation: the workshop reaches its maximum. Without
    # JavaScript, a gift over his member limit comes back on a page of its own, the reason first.
    context, page = _as(browser, live_server, bruno, lang)
    page.goto(f"{live_server}/commons/{slug}/projects/{shuttle}")
    page.locator(f"#project-{shuttle}-funding #amount").fill("250")
    page.locator(f"#project-{shuttle}-funding form").evaluate(
        "form => form.submit()"
    )  # no htmx: a plain post
    page.locator(".error-summary").wait_for()
    assert page.locator(f"#project-{shuttle}-funding #amount").input_value() == "250"
    _shoot(page, axe, f"{lang}-gift-refused")
    page.goto(f"{live_server}/commons/{slug}/projects/{workshop}")
    funding = page.locator(f"#project-{workshop}-funding")
    funding.locator("#amount").fill("70")
    funding.locator("#source").select_option(index=1)
    funding.locator("button[type=submit]").click()
    page.locator(f"#project-{workshop}-funding").get_by_text(re.compile("70")).first.wait_for()
    page.goto(f"{live_server}/commons/{slug}/projects/{workshop}")
    page.locator(f"#project-{workshop}-funding #amount").fill("80")
    page.locator(f"#project-{workshop}-funding button[type=submit]").click()
    page.locator(".flash-success, .flash").first.wait_for()
    page.goto(f"{live_server}/commons/{slug}/projects/{workshop}")
    assert ("financé" if lang == "fr" else "funded") in page.locator("main .badge").first.inner_text()
    _shoot(page, axe, f"{lang}-project-funded")
    _done(context, page)

    # The organiser cancels the shuttle: Anne's 40 € come back.
    context, page = _as(browser, live_server, organiser, lang)
    page.goto(f"{live_server}/commons/{slug}/projects/{shuttle}/cancel")
    _shoot(page, axe, f"{lang}-cancel")
    page.locator("form.confirm-box button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/projects/{shuttle}$"))
    _done(context, page)

    # Anyone reads the public ledger: funding, allocations, the delegation, gifts on Anne's behalf, the refund.
    context, page = _as(browser, live_server, None, lang)
    page.goto(f"{live_server}/commons/{slug}/ledger")
    text = page.locator("main").inner_text()
    assert "Fondation du Littoral" in text and "Bruno Délégué" in text and "Anne Membre" in text
    assert ("remboursement" if lang == "fr" else "refund") in text.lower()
    _shoot(page, axe, f"{lang}-ledger")
    page.goto(f"{live_server}/commons/{slug}")
    _shoot(page, axe, f"{lang}-call-public")
    _done(context, page)
