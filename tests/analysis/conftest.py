"""Analysis tests run services in the twin app's request context (links in e-mails need one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import current_app


@pytest.fixture(autouse=True)
def _request_context(app) -> Iterator[None]:
    with current_app.test_request_context():
        yield


@pytest.fixture
def sent(app) -> list:
    """Return the messages sent from test code (the twin app's outbox; requests use ``outbox``)."""
    return current_app.extensions.setdefault("civic_outbox", [])
