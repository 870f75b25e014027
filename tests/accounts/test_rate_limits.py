"""Rate limits on login, registration and reset."""

from __future__ import annotations

from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_user


def test_sixth_failed_login_within_a_minute_gets_429(client):
    user = create_user()
    token = csrf_token(client, "/login")
    data = {"csrf_token": token, "email": user.email, "password": "wrong password guess"}
    statuses = [client.post("/login", data=data).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    page = client.post("/login", data={**data, "password": DEFAULT_PASSWORD})
    assert page.status_code == 429
    assert "Trop de tentatives" in page.get_data(as_text=True)
    assert "Content-Security-Policy" in page.headers


def test_successful_logins_do_not_use_up_the_limit(client):
    user = create_user()
    token = csrf_token(client, "/login")
    for _ in range(8):
        response = client.post(
            "/login", data={"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 303
        client.post("/logout", data={"csrf_token": token})


def test_reset_requests_are_limited(client):
    token = csrf_token(client, "/reset")
    statuses = [
        client.post("/reset", data={"csrf_token": token, "email": f"x{i}@example.org"}).status_code
        for i in range(6)
    ]
    assert statuses == [303] * 5 + [429]


def test_registrations_are_limited(client):
    token = csrf_token(client, "/register")
    statuses = [
        client.post(
            "/register",
            data={"csrf_token": token, "email": f"n{i}@example.org", "display_name": "N", "password": "x"},
        ).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:10]
