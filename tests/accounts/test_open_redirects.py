"""Every `next=` and return link accepts only paths on this site."""

from __future__ import annotations

import pytest

from civic.web.views import safe_next
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_user

REFUSED = [
    "https://evil.example/",
    "http:/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%255C%255Cevil.example",
    "/%252F%252Fevil.example",
    "/account\r\nSet-Cookie: x=1",
    "/account%0d%0aSet-Cookie:%20x=1",
    "/\tevil",
    "/\t/evil.example",
    "/\x00",
    "/\x7f",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,x",
    " /account",
    "account",
    "",
    None,
    "/" + "a" * 3000,
]
ACCEPTED = [
    "/",
    "/account",
    "/proposals/7?tab=comments#c3",
    "/moderation?state=open&page=2",
    "/search?q=50%25",
    "/proposals?q=a%2Fb",
    "/éditions/2026",
]


@pytest.mark.parametrize("target", REFUSED)
def test_unsafe_targets_fall_back(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ACCEPTED)
def test_local_paths_are_kept(target):
    assert safe_next(target, "/fallback") == target


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "https://evil.example"]
)
def test_login_next_never_leaves_the_site(client, target):
    user = create_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "/x\r\nLocation: https://evil.example"]
)
def test_language_switch_next_never_leaves_the_site(client, target):
    token = csrf_token(client)
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_next_to_a_local_page_is_followed(client):
    user = create_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": "/account?tab=data"},
        data={"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/account?tab=data"
