"""Every account form answers an invalid submission with 422, the form and what the person typed."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.models import User
from civic.extensions import db
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_user


def _post(client, path, **data):
    token = csrf_token(client, path if not path.startswith("/account/password") else "/account")
    return client.post(path, data={"csrf_token": token, **data})


def test_register_keeps_the_input(client):
    response = _post(client, "/register", email="Ana@Example.org", display_name="Ana Lyse", password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Ana@Example.org"' in page and 'value="Ana Lyse"' in page
    assert 'aria-invalid="true"' in page and "short" not in page.split('name="password"')[1][:80]


def test_login_keeps_the_email(client):
    create_user(email="kept@example.org")
    response = _post(client, "/login", email="kept@example.org", password="wrong password guess")
    assert response.status_code == 422
    assert 'value="kept@example.org"' in response.get_data(as_text=True)


def test_reset_request_keeps_the_email(client):
    response = _post(client, "/reset", email="not an address")
    assert response.status_code == 422
    assert 'value="not an address"' in response.get_data(as_text=True)


def test_new_password_form_says_what_is_wrong(client, outbox):
    user = create_user()
    _post(client, "/reset", email=user.email)
    path = outbox[-1].body.split("http://localhost", 1)[1].split()[0]
    response = _post(client, path, password="lantern orchard pebble 42", confirm="something else")
    assert response.status_code == 422
    assert "Les deux mots de passe sont différents" in response.get_data(as_text=True)


def test_profile_keeps_the_input(client, login_as):
    login_as(display_name="Before")
    response = _post(client, "/account", display_name="X", district_id="0", age_bracket="", locale="fr")
    assert response.status_code == 422
    assert 'value="X"' in response.get_data(as_text=True)


def test_password_change_errors_come_back_in_the_profile_page(client, login_as):
    login_as(display_name="Profil Intact")
    response = _post(
        client, "/account/password", current_password=DEFAULT_PASSWORD, password="short", confirm="short"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Utilisez au moins 12 caractères" in page and 'id="password-title"' in page
    assert 'value="Profil Intact"' in page  # the profile form beside it still shows the saved profile


def test_deleting_an_account_asks_for_the_password_and_a_ticked_box(client, login_as):
    user = login_as()
    unticked = _post(client, "/account/delete", password=DEFAULT_PASSWORD)
    assert unticked.status_code == 422
    assert "Cochez la case pour confirmer" in unticked.get_data(as_text=True)
    assert _post(client, "/account/delete", password="wrong", confirm="y").status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.id == user.id)).deleted_at is None
