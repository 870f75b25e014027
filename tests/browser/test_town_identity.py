"""The town's colours and logo reach the page in a real browser (the stylesheet wins over Pico's)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image

from civic.accounts.roles import Role
from tests.browser.helpers import log_in
from tests.factories import create_user


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGBA", (400, 100), (20, 83, 45, 255)).save(out, format="PNG")
    return out.getvalue()


def test_admin_sets_colours_and_logo_and_every_page_wears_them(live_server, page, axe, tmp_path: Path):
    admin = create_user(roles=(Role.ADMIN,), locale="fr")
    log_in(page, live_server, admin)
    page.goto(live_server + "/admin/town")
    page.locator("#name").fill("Ville de Montreuil-sur-Loire")
    page.locator("#primary_colour").fill("#14532d")
    page.locator("#secondary_colour").fill("#fef3c7")
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    page.locator("#logo").set_input_files(str(logo))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(live_server + "/accessibilite")
    assert page.locator(".site-header .brand").inner_text().strip() == "Ville de Montreuil-sur-Loire"
    style = "getComputedStyle(document.querySelector('%s')).%s"
    assert page.evaluate(style % ("main article a", "color")) == "rgb(20, 83, 45)"
    assert page.evaluate(style % (".site-footer", "backgroundColor")) == "rgb(254, 243, 199)"
    assert page.evaluate(style % (".site-footer a", "color")) == "rgb(31, 41, 55)"
    height = page.evaluate("document.querySelector('.town-logo').getBoundingClientRect().height")
    assert 30 <= height <= 50, height
    axe.check(page)
    assert not page.console_errors, page.console_errors
