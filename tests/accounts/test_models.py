"""Database constraints hold the invariants, whatever the code above them does."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import RoleGrant, User
from civic.accounts.roles import Role
from civic.extensions import db
from tests.factories import create_user

pytestmark = pytest.mark.usefixtures("app")


def test_one_grant_per_role_and_person():
    user = create_user()
    db.session.add(RoleGrant(user_id=user.id, role=Role.RESIDENT))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_email_is_unique():
    create_user(email="same@example.org")
    db.session.add(User(email="same@example.org", display_name="Twin", locale="fr"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_live_account_needs_an_email():
    db.session.add(User(email=None, display_name="Ghost", locale="fr"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_mail_goes_out_in_the_recipients_language(client, outbox):
    from tests.conftest import csrf_token

    create_user(email="english@example.org", locale="en")
    token = csrf_token(client, "/reset")
    client.post("/reset", data={"csrf_token": token, "email": "english@example.org"})
    assert outbox[-1].locale == "en" and outbox[-1].subject == "Choose a new password"
