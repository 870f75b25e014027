"""The proposal form checks image sizes before uploading, and keeps the form on screen when the server refuses."""

from __future__ import annotations

import re

from PIL import Image

from tests.browser.helpers import log_in
from tests.factories import create_edition, create_user


def test_an_image_over_5_mb_is_flagged_by_its_field_before_any_upload(live_server, page, tmp_path):
    edition = create_edition()
    log_in(page, live_server, create_user(locale="en"))
    heavy = tmp_path / "heavy.jpg"
    heavy.write_bytes(b"\xff\xd8" + b"\0" * (5 * 1024 * 1024 + 10))
    page.goto(f"{live_server}/editions/{edition.slug}/proposals/new")
    page.locator("#title").fill("Un abri à vélos")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.locator("#image1").set_input_files(str(heavy))
    note = page.locator("#image1-size-error")
    assert note.inner_text() == "This image is larger than 5 MB: choose a smaller file."
    assert page.locator("#image1").get_attribute("aria-invalid") == "true"
    page.locator("button[name=submit_proposal]").click()
    page.wait_for_timeout(300)
    assert posts == [] and page.locator("#title").input_value() == "Un abri à vélos"
    # A lighter picture clears the message.
    light = tmp_path / "light.jpg"
    Image.new("RGB", (20, 20)).save(light, format="JPEG")
    page.locator("#image1").set_input_files(str(light))
    assert page.locator("#image1-size-error").count() == 0
    assert not page.console_errors, page.console_errors


def test_a_server_refusal_comes_back_into_the_form_without_losing_the_text(live_server, page, tmp_path):
    edition = create_edition()
    log_in(page, live_server, create_user(locale="en"))
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not a picture at all")
    page.goto(f"{live_server}/editions/{edition.slug}/proposals/new")
    page.locator("#title").fill("Un abri à vélos")
    page.locator("#summary").fill("Un abri couvert pour vingt vélos près de la gare.")
    page.locator("#description").fill(
        "L'abri serait fermé, éclairé et accessible avec la carte de transport."
    )
    page.locator("#image1").set_input_files(str(fake))
    page.locator("button[name=submit_proposal]").click()
    page.locator("#image1-error").wait_for()
    assert "not a JPEG, PNG or WebP image" in page.locator("#image1-error").inner_text()
    assert page.locator("#title").input_value() == "Un abri à vélos"
    assert re.search(r"/proposals/new$", page.url)
