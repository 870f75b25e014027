"""Layout found broken on a phone while walking through the app: the footer's legal links ran off the
screen, and the front desk's search form was drawn as one pill with its label and hint squeezed inside."""

from __future__ import annotations

from civic.accounts.roles import Role
from tests.browser.helpers import log_in
from tests.factories import create_edition, create_user

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_the_footer_links_wrap_on_a_phone(live_server, page):
    create_edition(name="Budget participatif 2026")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + "/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.footer-links a')].map(a => a.getBoundingClientRect().right))"
    )
    assert right <= 375


def test_the_front_desk_search_keeps_its_label_above_a_full_width_field_on_a_phone(live_server, page):
    create_edition(name="Budget participatif 2026")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, create_user(roles=(Role.FRONT_DESK, Role.RESIDENT)))
    page.goto(live_server + "/front-desk")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    label = page.locator("label[for=front-desk-q]").bounding_box()
    field = page.locator("#front-desk-q").bounding_box()
    button = page.locator("#front-desk-q ~ button[type=submit]").bounding_box()
    assert field["y"] >= label["y"] + label["height"] - 1, (label, field)
    assert field["width"] > 300, field
    assert button["x"] + button["width"] <= 375, button
    assert not page.console_errors


def test_a_long_town_name_wraps_beside_the_menu_button_and_the_open_menu_lines_up(live_server, page):
    from civic.core.town import TownSettings
    from civic.extensions import db

    db.session.add(TownSettings(id=1, name="Saint-Aubin-des-Communs-sur-Mer"))
    db.session.commit()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + "/")
    brand = page.locator(".site-nav .brand").bounding_box()
    toggle = page.locator(".nav-toggle").bounding_box()
    # Same row: the button starts above the brand's bottom edge.
    assert toggle["y"] < brand["y"] + brand["height"], (brand, toggle)
    page.locator(".nav-toggle").click()
    # Where each item's text starts (its box's left edge plus its left padding).
    text_left = "e => e.getBoundingClientRect().left + parseFloat(getComputedStyle(e).paddingLeft)"
    first_link = page.locator("#main-menu li a").first.evaluate(text_left)
    language = page.locator("#main-menu button[name=lang]").evaluate(text_left)
    assert abs(language - first_link) < 2, (first_link, language)


def test_a_wide_town_logo_keeps_its_proportions_in_the_header(live_server, page):
    import io

    from PIL import Image

    from civic.core.town import TownSettings
    from civic.extensions import db

    buffer = io.BytesIO()
    Image.new("RGB", (200, 50), (20, 90, 160)).save(buffer, "PNG")
    db.session.add(
        TownSettings(id=1, name="Saint-Aubin", logo_png=buffer.getvalue(), logo_width=200, logo_height=50)
    )
    db.session.commit()
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server + "/")
        box = page.locator(".site-nav .brand img.town-logo").bounding_box()
        assert abs(box["width"] / box["height"] - 4) < 0.1, box
