"""Browser journeys: the app served on loopback, driven by Debian's chromium through Playwright.

Browser tests skip with a visible notice when chromium is absent on a developer machine; in CI
(CIVIC_REQUIRE_BROWSER=1) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Flags for a closed network and a root sandbox (see the machine notes in the README).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [i for i in items if "tests/browser/" in str(i.fspath).replace(os.sep, "/")]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CIVIC_REQUIRE_BROWSER") == "1":
            return  # the fixtures will fail loudly
        skip = pytest.mark.skip(reason=f"chromium not found at {CHROMIUM}: browser journeys NOT run")
        for item in browser_items:
            item.add_marker(skip)


def _buffered(app: Any) -> Any:
    """Run the app's response to the end and close it before werkzeug's server writes a byte.

    werkzeug's development server closes the response in a ``finally`` branch that first drains the
    socket; when chromium has already dropped the connection (a favicon or stylesheet cancelled by a
    navigation), that drain raises and the response, an open static file, is never closed. The
    ResourceWarning then surfaces in whichever test runs next. Buffering leaves nothing to close.
    """

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test app on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"CIVIC_REQUIRE_BROWSER=1 but chromium is missing at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []
    # Console errors (CSP violations, script errors) fail a journey; an HTTP 4xx the journey
    # provokes on purpose (an invalid form answers 422) is logged by chromium too, and is fine.
    pg.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error"
            and not msg.text.startswith("Failed to load resource: the server responded with a status of 4")
            else None
        ),
    )
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors
    yield pg
    context.close()


class AxeChecker:
    """Run axe-core on the current page and collect every violation with the page it was on."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.checked: list[str] = []

    def check(self, pg: Any) -> None:
        results = self.axe.run(pg, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = results.response["violations"]
        self.checked.append(pg.url)
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in violations
        ]
        assert not violations, f"axe violations on {pg.url}:\n" + "\n".join(details)


@pytest.fixture
def axe() -> AxeChecker:
    return AxeChecker()
