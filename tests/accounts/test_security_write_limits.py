"""Writes a bot (or a stolen session) could repeat are limited per account: guessing the current password
through the password change or the account deletion, and submitting or editing proposals."""

from __future__ import annotations

from civic.extensions import db
from civic.proposals.models import Proposal
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_edition


def test_guessing_the_current_password_in_a_session_is_limited(client, login_as):
    login_as()
    token = csrf_token(client, "/account")
    guess = {"csrf_token": token, "current_password": "not my password", "password": "a new long passphrase"}
    guess["password_confirm"] = guess["confirm"] = guess["password"]
    statuses = [client.post("/account/password", data=guess).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    right = {**guess, "current_password": DEFAULT_PASSWORD}
    assert client.post("/account/password", data=right).status_code == 429


def test_guessing_the_password_through_account_deletion_is_limited(client, login_as):
    login_as()
    token = csrf_token(client, "/account/delete")
    guess = {"csrf_token": token, "password": "not my password", "confirm": "y"}
    statuses = [client.post("/account/delete", data=guess).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]


def test_proposal_submissions_are_limited_per_account(app, client, login_as):
    app.config["PROPOSAL_WRITE_RATE_LIMIT"] = "3 per hour"
    edition = create_edition()
    login_as()
    url = f"/editions/{edition.slug}/proposals/new"
    token = csrf_token(client, url)
    data = {
        "csrf_token": token,
        "title": "Un banc de plus",
        "summary": "Un banc pour se reposer au soleil.",
        "description": "Un banc en bois près de la fontaine, à l'ombre des tilleuls.",
    }
    # A form sent back with errors does not count: only what is written does.
    assert client.post(url, data={**data, "title": ""}).status_code == 422
    statuses = [client.post(url, data=data).status_code for _ in range(4)]
    assert statuses == [303] * 3 + [429]
    assert db.session.query(Proposal).count() == 3
