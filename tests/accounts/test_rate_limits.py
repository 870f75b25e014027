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


def test_sixth_failure_on_one_account_is_refused_but_others_on_the_same_address_still_log_in(client):
    """A town hall's shared address: one person's typos lock their own account only."""
    clumsy, neighbour = create_user(), create_user()
    token = csrf_token(client, "/login")
    wrong = {"csrf_token": token, "email": clumsy.email, "password": "wrong password guess"}
    statuses = [client.post("/login", data=wrong).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    # The same person, typed differently, is the same account.
    assert client.post("/login", data={**wrong, "email": clumsy.email.upper()}).status_code == 429
    ok = client.post(
        "/login", data={"csrf_token": token, "email": neighbour.email, "password": DEFAULT_PASSWORD}
    )
    assert ok.status_code == 303


def test_one_address_has_a_larger_budget_of_failures_across_accounts(client):
    people = [create_user() for _ in range(11)]
    token = csrf_token(client, "/login")
    statuses = []
    for person in people:  # 11 accounts x 5 failures = 55 failures from one address
        data = {"csrf_token": token, "email": person.email, "password": "wrong password guess"}
        statuses += [client.post("/login", data=data).status_code for _ in range(5)]
    assert statuses[:50] == [422] * 50
    assert set(statuses[50:]) == {429}


def test_failures_are_counted_for_fifteen_minutes(client):
    import time_machine

    from civic.core.time import utcnow

    user = create_user()
    token = csrf_token(client, "/login")
    wrong = {"csrf_token": token, "email": user.email, "password": "wrong password guess"}
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            client.post("/login", data=wrong)
        traveller.shift(600)
        assert client.post("/login", data=wrong).status_code == 429
        traveller.shift(16 * 60)
        assert client.post("/login", data={**wrong, "password": DEFAULT_PASSWORD}).status_code == 303
