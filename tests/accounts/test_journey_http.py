"""The account life cycle through real HTTP requests: register, confirm, log in, profile, log out."""

from __future__ import annotations

import re

from sqlalchemy import select

from civic.accounts.models import User
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.conftest import csrf_token
from tests.factories import create_district

GOOD_PASSWORD = "lantern orchard pebble 42"


def _link(body: str, path: str) -> str:
    match = re.search(r"http://localhost(/" + path + r"/\S+)", body)
    assert match, body
    return match.group(1)


def test_register_confirm_login_profile_logout(client, outbox):
    district = create_district(name="Port-Neuf")
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "email": "Alice@Example.org",
            "display_name": "Alice",
            "password": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/register/check-your-inbox")
    user = db.session.scalar(select(User).where(User.email == "alice@example.org"))
    assert user is not None and not user.is_confirmed
    assert user.password_hash.startswith("$argon2id$")

    # Logging in before confirming is refused and a new link is sent.
    response = client.post(
        "/login", data={"csrf_token": token, "email": "alice@example.org", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 422
    assert len(outbox) == 2 and outbox[0].to == "alice@example.org"
    assert outbox[0].locale == "fr" and "Confirmez" in outbox[0].subject

    response = client.get(_link(outbox[0].body, "confirm"))
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.is_confirmed

    response = client.post(
        "/login", data={"csrf_token": token, "email": "alice@example.org", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 303
    assert "Mon compte" in client.get("/").get_data(as_text=True)

    response = client.post(
        "/account",
        data={
            "csrf_token": token,
            "display_name": "Alice B.",
            "district_id": district.id,
            "age_bracket": "25_34",
            "locale": "en",
        },
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.display_name, user.district_id, user.age_bracket.value, user.locale) == (
        "Alice B.",
        district.id,
        "25_34",
        "en",
    )
    assert "My account" in client.get("/account").get_data(as_text=True)

    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/account").status_code == 302


def test_invalid_profile_comes_back_as_422_with_the_error(client, login_as):
    login_as()
    token = csrf_token(client, "/account")
    response = client.post(
        "/account",
        data={"csrf_token": token, "display_name": "", "district_id": 0, "age_bracket": "", "locale": "fr"},
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_confirmation_link_is_bound_to_the_address(client, outbox):
    token = csrf_token(client, "/register")
    client.post(
        "/register",
        data={
            "csrf_token": token,
            "email": "bob@example.org",
            "display_name": "Bob",
            "password": GOOD_PASSWORD,
        },
    )
    link = _link(outbox[0].body, "confirm")
    user = db.session.scalar(select(User).where(User.email == "bob@example.org"))
    user.email = "bob2@example.org"
    db.session.commit()
    assert client.get(link).status_code == 400
    assert client.get("/confirm/not-a-token").status_code == 400


def test_registration_is_audited(client):
    token = csrf_token(client, "/register")
    client.post(
        "/register",
        data={
            "csrf_token": token,
            "email": "carl@example.org",
            "display_name": "Carl",
            "password": GOOD_PASSWORD,
        },
    )
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "account.register"))


def test_open_redirect_after_login_is_refused(client):
    from tests.factories import DEFAULT_PASSWORD, create_user

    user = create_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
