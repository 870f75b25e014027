"""Page-or-fragment rendering, error pages, language switch, security headers and cookies."""

from __future__ import annotations

from civic.accounts.roles import Role
from tests.conftest import csrf_token, log_in
from tests.factories import create_user


def test_error_pages_are_full_pages_or_fragments(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "<html" in page.get_data(as_text=True) and "Page introuvable" in page.get_data(as_text=True)
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#flash-messages"
    assert "HX-Request" in fragment.headers["Vary"]


def test_403_for_residents_on_admin_pages(client):
    log_in(client, create_user())
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_csrf_failure_is_a_friendly_400(client):
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "jeton de sécurité" in response.get_data(as_text=True)


def test_language_switch_changes_the_interface_and_stays_local(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"csrf_token": token, "lang": "en", "next": "https://evil.example.com"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Skip to main content" in page
    client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/login"})
    assert "Aller au contenu principal" in client.get("/login").get_data(as_text=True)


def test_browser_language_is_used_when_nothing_was_chosen(client):
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_flash_messages_reach_htmx_swaps_out_of_band(client):
    admin = create_user(roles=(Role.ADMIN,))
    target = create_user(display_name="Target Person")
    log_in(client, admin)
    token = csrf_token(client, f"/admin/users/{target.id}")
    response = client.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "analyst", "action": "grant"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'hx-swap-oob="true"' in body and "Rôles de Target Person mis à jour" in body


def test_session_cookie_is_httponly_and_lax(client):
    user = create_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": "correct horse battery staple"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_staff_never_get_a_remember_me_cookie(client):
    for roles, expected in (((Role.RESIDENT,), True), ((Role.ANALYST,), False)):
        user = create_user(roles=roles)
        token = csrf_token(client, "/login")
        response = client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": user.email,
                "password": "correct horse battery staple",
                "remember": "y",
            },
        )
        cookies = " ".join(response.headers.getlist("Set-Cookie"))
        assert ("remember_token=" in cookies) is expected, roles
        client.post("/logout", data={"csrf_token": token})


def test_static_files_carry_security_headers(client):
    response = client.get("/static/css/civic.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
