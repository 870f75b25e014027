"""Server-side sessions: logout, password change and reset end them; staff sessions expire when idle."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from civic import create_app
from civic.accounts.models import UserSession
from civic.accounts.roles import Role
from civic.core.time import utcnow
from civic.extensions import db
from tests.conftest import csrf_token, log_in, settings_for
from tests.factories import DEFAULT_PASSWORD, create_user

NEW_PASSWORD = "lantern orchard pebble 42"


def _log_in_by_form(client, user, *, remember=False):
    token = csrf_token(client, "/login")
    data = {"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 303
    return token


def _is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def _sessions_of(user) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def test_replaying_the_session_cookie_after_logout_gives_an_anonymous_visitor(app, client):
    user = create_user()
    token = _log_in_by_form(client, user)
    stolen = client.get_cookie("session").value
    assert _sessions_of(user) == 1
    client.post("/logout", data={"csrf_token": token})
    assert _sessions_of(user) == 0

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not _is_logged_in(replay)
    assert "Mon compte" not in replay.get("/").get_data(as_text=True)


def test_replaying_the_remember_me_cookie_after_logout_gives_an_anonymous_visitor(app, client):
    user = create_user()
    token = _log_in_by_form(client, user, remember=True)
    remember = client.get_cookie("remember_token").value
    # The cookie alone logs in while the session is open...
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert _is_logged_in(fresh)
    client.post("/logout", data={"csrf_token": token})
    # ...and no longer once the person has logged out.
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert not _is_logged_in(replay)


def test_password_change_keeps_this_session_and_ends_the_others(app, client):
    user = create_user()
    other = app.test_client()
    log_in(client, user)
    log_in(other, user)
    token = csrf_token(client, "/account")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEFAULT_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    assert _is_logged_in(client)
    assert not _is_logged_in(other)
    assert _sessions_of(user) == 1


def test_password_change_with_a_wrong_current_password_keeps_everything(app, client):
    user = create_user()
    other = app.test_client()
    log_in(client, user)
    log_in(other, user)
    token = csrf_token(client, "/account")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "not my password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "Votre mot de passe actuel est incorrect" in response.get_data(as_text=True)
    assert _is_logged_in(other)


def test_password_reset_ends_every_session(app, client, outbox):
    user = create_user()
    elsewhere = app.test_client()
    log_in(elsewhere, user)
    token = csrf_token(client, "/reset")
    client.post("/reset", data={"csrf_token": token, "email": user.email})
    path = outbox[-1].body.split("http://localhost", 1)[1].split()[0]
    token = csrf_token(client, path)
    response = client.post(
        path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert not _is_logged_in(elsewhere)
    assert _sessions_of(user) == 0


def test_log_out_other_sessions_from_the_profile(app, client):
    user = create_user()
    others = [app.test_client() for _ in range(2)]
    log_in(client, user)
    for other in others:
        log_in(other, user)
    page = client.get("/account").get_data(as_text=True)
    assert page.count("test client") == 3 and "(ce navigateur)" in page
    token = csrf_token(client, "/account")
    assert client.post("/account/sessions/end-others", data={"csrf_token": token}).status_code == 303
    assert _is_logged_in(client)
    assert not any(_is_logged_in(other) for other in others)


def test_staff_sessions_end_after_thirty_idle_minutes(client):
    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        moderator = create_user(roles=(Role.MODERATOR, Role.RESIDENT))
        log_in(client, moderator)
        traveller.shift(timedelta(minutes=29))
        assert _is_logged_in(client)  # activity moves the idle clock
        traveller.shift(timedelta(minutes=29))
        assert _is_logged_in(client)
        traveller.shift(timedelta(minutes=31))
        assert client.get("/account").status_code == 302
        assert _sessions_of(moderator) == 0


def test_resident_sessions_do_not_expire_after_thirty_minutes(client):
    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        resident = create_user()
        log_in(client, resident)
        traveller.shift(timedelta(hours=5))
        assert _is_logged_in(client)


def test_last_seen_is_written_at_most_once_a_minute(client):
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        user = create_user()
        log_in(client, user)

        def last_seen():
            db.session.expire_all()
            return db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == user.id))

        traveller.shift(timedelta(seconds=30))
        client.get("/account")
        assert last_seen() == start
        traveller.shift(timedelta(seconds=31))
        client.get("/account")
        assert last_seen() == start + timedelta(seconds=61)


def test_session_cookies_use_the_host_prefix_over_https(database_url, app):
    secure = create_app(
        {**settings_for(database_url), "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}
    )
    assert secure.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert secure.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    browser = secure.test_client()
    page = browser.get("/login", base_url="https://localhost")
    set_cookie = page.headers["Set-Cookie"]
    assert set_cookie.startswith("__Host-session=")
    assert "Secure" in set_cookie and "Path=/" in set_cookie and "Domain" not in set_cookie
