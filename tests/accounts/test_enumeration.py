"""Login, registration and reset answer the same whether or not the e-mail exists."""

from __future__ import annotations

import re

from tests.conftest import csrf_token
from tests.factories import create_user

TOKEN_RE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+')


def _normalised(response) -> tuple[int, str | None, str]:
    body = TOKEN_RE.sub(lambda m: (m.group(1) or m.group(2)) + "TOKEN", response.get_data(as_text=True))
    return response.status_code, response.headers.get("Location"), body


def test_login_answers_alike_for_unknown_and_known_email(client):
    # The same address is tried before and after it has an account, so the echoed form is identical.
    token = csrf_token(client, "/login")
    data = {"csrf_token": token, "email": "known@example.org", "password": "not the right one at all"}
    unknown = client.post("/login", data=data)
    create_user(email="known@example.org")
    wrong = client.post("/login", data=data)
    assert wrong.status_code == 422
    assert _normalised(wrong) == _normalised(unknown)
    assert "Adresse e-mail ou mot de passe incorrect" in wrong.get_data(as_text=True)


def test_registration_answers_alike_for_unknown_and_known_email(client, outbox):
    create_user(email="known@example.org")
    token = csrf_token(client, "/register")
    data = {"csrf_token": token, "display_name": "Someone", "password": "lantern orchard pebble 42"}
    existing = client.post("/register", data={**data, "email": "known@example.org"})
    new = client.post("/register", data={**data, "email": "fresh@example.org"})
    assert existing.status_code == new.status_code == 303
    assert _normalised(existing) == _normalised(new)
    assert _normalised(client.get(existing.headers["Location"])) == _normalised(
        client.get(new.headers["Location"])
    )
    # The owner of the existing address is told; the new address gets a confirmation link.
    assert [m.to for m in outbox] == ["known@example.org", "fresh@example.org"]
    assert "/confirm/" not in outbox[0].body and "/confirm/" in outbox[1].body


def test_reset_answers_alike_for_unknown_and_known_email(client, outbox):
    token = csrf_token(client, "/reset")
    unknown = client.post("/reset", data={"csrf_token": token, "email": "known@example.org"})
    create_user(email="known@example.org")
    known = client.post("/reset", data={"csrf_token": token, "email": "known@example.org"})
    assert known.status_code == 303
    assert _normalised(known) == _normalised(unknown)
    assert [m.to for m in outbox] == ["known@example.org"]
