"""Helpers for moderation tests: reporting through HTTP as a given person."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from civic.accounts.models import User
from tests.conftest import csrf_token, log_in

XSS = '"><svg onload=alert(1)>'


@pytest.fixture
def report_as(client: FlaskClient) -> Callable[..., TestResponse]:
    """Log the client in as ``user`` and post a report through the report form."""

    def _report(
        user: User, target_type: str, target_id: int, *, reason: str = "spam", text: str = "", **headers: str
    ) -> TestResponse:
        log_in(client, user)
        token = csrf_token(client, f"/moderation/report?target_type={target_type}&target_id={target_id}")
        data = {
            "csrf_token": token,
            "target_type": target_type,
            "target_id": str(target_id),
            "reason": reason,
            "text": text,
            "next": "/somewhere?page=2",
        }
        return client.post("/moderation/report", data=data, headers=headers)

    return _report
