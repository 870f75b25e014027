"""Steps shared by the browser journeys."""

from __future__ import annotations

from tests.factories import DEFAULT_PASSWORD


def log_in(page, base: str, user) -> None:
    """Log ``user`` in through the login form (the pages then follow the user's own language)."""
    page.goto(f"{base}/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form[action^='/login'] button[type=submit]").click()
    page.wait_for_load_state()
