"""Behind a reverse proxy (CIVIC_PROXY_COUNT), per-address limits count visitors, not the proxy: without it
one bad visitor's attempts locked registration for the whole town. Without a proxy, X-Forwarded-For
(which anyone can forge) is ignored, so it cannot dodge the limits."""

from __future__ import annotations

from civic import create_app
from tests.conftest import csrf_token


def _register(client, n: int, forwarded_for: str):
    token = csrf_token(client, "/register")
    return client.post(
        "/register",
        data={
            "csrf_token": token,
            "email": f"voisin{n}@example.org",
            "display_name": "Voisin",
            "password": "x",
        },
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )


def test_behind_a_proxy_each_visitor_has_their_own_limit(app):
    proxied = create_app({**app.config, "PROXY_COUNT": 1, "REGISTER_RATE_LIMIT": "2 per hour"})
    client = proxied.test_client()
    statuses = [_register(client, n, "203.0.113.7").status_code for n in range(3)]
    assert statuses[-1] == 429
    # Another resident behind the same proxy is not locked out by the first one.
    assert _register(client, 9, "198.51.100.20").status_code != 429


def test_without_a_proxy_a_forged_forwarded_for_does_not_dodge_the_limit(app):
    direct = create_app({**app.config, "REGISTER_RATE_LIMIT": "2 per hour"})
    client = direct.test_client()
    statuses = [_register(client, n, f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses[-1] == 429
