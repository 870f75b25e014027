"""Fixtures for the edition tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, current_app


@pytest.fixture
def english_request(app: Flask) -> Iterator[None]:
    """Run the test inside an anonymous English request (services format their messages in it)."""
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        yield
