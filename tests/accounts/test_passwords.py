"""Password rules, hashing parameters, rehash on login, reset."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlalchemy import select

from civic.accounts.models import User
from civic.extensions import db
from tests.conftest import csrf_token, log_in
from tests.factories import DEFAULT_PASSWORD, create_user


def _register(client, password):
    token = csrf_token(client, "/register")
    return client.post(
        "/register",
        data={"csrf_token": token, "email": "p@example.org", "display_name": "Pat", "password": password},
    )


def test_short_password_is_refused(client):
    response = _register(client, "short pass")
    assert response.status_code == 422
    assert "au moins 12 caractères" in response.get_data(as_text=True)


def test_common_password_is_refused(client):
    for password in ("123456789012", "passwordpassword", "azertyuiopqsd"):
        response = _register(client, password)
        assert response.status_code == 422, password
        assert "trop courant" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "p@example.org")) is None


def test_password_is_rehashed_when_parameters_change(app, client):
    user = create_user()
    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(DEFAULT_PASSWORD)
    user.password_hash = old
    db.session.commit()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.password_hash != old
    assert f"m={app.config['ARGON2_MEMORY_COST']},t={app.config['ARGON2_TIME_COST']}" in user.password_hash


def test_reset_sets_a_new_password_once_and_ends_other_sessions(app, client, outbox):
    user = create_user(email="r@example.org")
    other = app.test_client()
    log_in(other, user)
    assert other.get("/account").status_code == 200

    token = csrf_token(client, "/reset")
    client.post("/reset", data={"csrf_token": token, "email": "r@example.org"})
    link = re.search(r"http://localhost(/reset/\S+)", outbox[-1].body).group(1)
    new_password = "violet harbour compass 7"
    response = client.post(
        link, data={"csrf_token": token, "password": new_password, "confirm": new_password}
    )
    assert response.status_code == 303
    # The link is single-use and the other session is over.
    assert client.get(link).status_code == 400
    assert other.get("/account").status_code == 302
    response = client.post(
        "/login", data={"csrf_token": token, "email": "r@example.org", "password": new_password}
    )
    assert response.status_code == 303


def test_hash_parameters_are_argon2id_with_configured_costs(app):
    from civic.accounts.passwords import hash_password

    assert hash_password("x" * 12).startswith(f"$argon2id$v=19$m={app.config['ARGON2_MEMORY_COST']}")
