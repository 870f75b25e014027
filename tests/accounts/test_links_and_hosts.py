"""Links in e-mails come from CIVIC_BASE_URL, never from the request's Host; untrusted Hosts get a 400."""

from __future__ import annotations

import re

import pytest
from flask import current_app

from civic import create_app
from civic.accounts.roles import Role
from civic.config import ConfigurationError
from civic.core.links import external_url
from civic.extensions import db
from civic.proposals.models import ProposalStatus
from tests.conftest import CSRF_RE, csrf_token, settings_for
from tests.factories import create_proposal, create_user

URL_RE = re.compile(r"https?://\S+")


def _app(database_url, **overrides):
    return create_app({**settings_for(database_url), **overrides})


def _request_reset(client, email, host):
    page = client.get("/reset", headers={"Host": host}).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    return client.post("/reset", data={"csrf_token": token, "email": email}, headers={"Host": host})


def test_reset_link_uses_the_base_url_whatever_the_host_header(app, database_url):
    """Even with no trusted-host list at all, a forged Host cannot enter the reset link."""
    open_app = _app(database_url, BASE_URL="https://participation.example.fr", TRUSTED_HOSTS=[])
    user = create_user(email="victim@example.org")
    response = _request_reset(open_app.test_client(), user.email, "evil.example")
    assert response.status_code == 303
    [mail] = open_app.extensions["civic_outbox"]
    links = URL_RE.findall(mail.body)
    assert links and all(link.startswith("https://participation.example.fr/reset/") for link in links)
    assert "evil.example" not in mail.body


def test_untrusted_host_is_refused_with_400_and_sends_nothing(client, outbox):
    user = create_user(email="victim@example.org")
    token = csrf_token(client, "/reset")
    response = client.post(
        "/reset", data={"csrf_token": token, "email": user.email}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert client.get("/", headers={"Host": "evil.example:8080"}).status_code == 400
    assert outbox == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5055", "localhost:80"])
def test_trusted_hosts_are_served_and_links_still_use_the_base_url(client, outbox, host):
    user = create_user(email="owner@example.org")
    assert client.get("/", headers={"Host": host}).status_code == 200
    assert _request_reset(client, user.email, host).status_code == 303
    assert URL_RE.findall(outbox[-1].body)[0].startswith("http://localhost/reset/")


def test_extra_trusted_hosts_come_from_civic_trusted_hosts(database_url, monkeypatch):
    monkeypatch.setenv("CIVIC_TRUSTED_HOSTS", "civic.internal, 10.0.0.5")
    monkeypatch.setenv("CIVIC_BASE_URL", "https://participation.example.fr/")
    settings = settings_for(database_url)
    del settings["BASE_URL"], settings["EXTRA_TRUSTED_HOSTS"]
    settings["ENVIRONMENT"] = "production"
    app = create_app(settings)
    assert app.config["BASE_URL"] == "https://participation.example.fr"
    assert app.config["TRUSTED_HOSTS"] == ["participation.example.fr", "civic.internal", "10.0.0.5"]


def test_every_mail_link_uses_the_base_url(app, database_url, login_as, client):
    """Confirmation, already-registered, co-author invitation and status notifications alike."""
    site = _app(database_url, BASE_URL="https://ville.example.fr/budget", TRUSTED_HOSTS=["localhost"])
    browser = site.test_client()
    token = csrf_token(browser, "/register")
    form = {"csrf_token": token, "display_name": "Nouvelle", "password": "lantern orchard pebble 42"}
    browser.post("/register", data={**form, "email": "new@example.org"})
    create_user(email="known@example.org")
    browser.post("/register", data={**form, "email": "known@example.org"})
    author = create_user(email="author@example.org")
    friend = create_user(email="friend@example.org")
    analyst = create_user(roles=(Role.ANALYST,))
    proposal = create_proposal(author=author)
    # Services run in the test's own app (see conftest), under a forged Host and no trusted-host list.
    current_app.config.update(BASE_URL="https://ville.example.fr/budget", TRUSTED_HOSTS=None)
    with current_app.test_request_context(headers={"Host": "evil.example"}):
        from civic.proposals.services import change_status, invite_coauthor

        invite_coauthor(actor=author, proposal=proposal, email=friend.email)
        change_status(
            actor=analyst, proposal=proposal, status=ProposalStatus.NOT_FEASIBLE, public_reason="Trop cher."
        )
        db.session.commit()
    mails = site.extensions["civic_outbox"] + current_app.extensions["civic_outbox"]
    assert {m.to for m in mails} >= {
        "new@example.org",
        "known@example.org",
        "friend@example.org",
        author.email,
    }
    links = [link for m in mails for link in URL_RE.findall(m.body)]
    assert len(links) >= 5
    assert all(link.startswith("https://ville.example.fr/budget/") for link in links), links


def test_external_url_ignores_the_request_and_keeps_a_path_prefix(app):
    app.config["BASE_URL"] = "https://ville.example.fr/budget"
    with app.test_request_context("/", headers={"Host": "localhost"}):
        assert external_url("accounts.reset", token="abc") == "https://ville.example.fr/budget/reset/abc"
    with app.app_context():
        assert external_url("accounts.login") == "https://ville.example.fr/budget/login"


def test_production_refuses_to_start_without_a_base_url(database_url, monkeypatch):
    monkeypatch.delenv("CIVIC_BASE_URL", raising=False)
    settings = {**settings_for(database_url), "TESTING": False, "ENVIRONMENT": "production", "BASE_URL": None}
    with pytest.raises(ConfigurationError, match="CIVIC_BASE_URL"):
        create_app(settings)
    assert create_app({**settings, "ENVIRONMENT": "development"}).config["TRUSTED_HOSTS"] is None


def test_production_is_the_default_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("CIVIC_ENV", raising=False)
    monkeypatch.delenv("CIVIC_BASE_URL", raising=False)
    monkeypatch.setenv("CIVIC_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match="CIVIC_BASE_URL"):
        create_app()
    monkeypatch.setenv("CIVIC_BASE_URL", "https://participation.example.fr")
    assert create_app().config["ENVIRONMENT"] == "production"


@pytest.mark.parametrize("url", ["participation.example.fr", "ftp://x.example", "https://x.example/?a=1"])
def test_a_malformed_base_url_is_refused(database_url, url):
    with pytest.raises(ConfigurationError):
        create_app({**settings_for(database_url), "BASE_URL": url})


def test_unknown_environment_is_refused(database_url):
    with pytest.raises(ConfigurationError, match="CIVIC_ENV"):
        create_app({**settings_for(database_url), "ENVIRONMENT": "staging"})
