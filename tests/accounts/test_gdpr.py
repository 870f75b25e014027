"""Personal-data export and account deletion."""

from __future__ import annotations

import json

from sqlalchemy import String, Text, inspect, select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_district, create_user


def test_export_contains_the_persons_data(client, login_as):
    user = login_as(display_name="Zoé Export", email="zoe@example.org")
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["account"]["email"] == "zoe@example.org"
    assert data["account"]["display_name"] == "Zoé Export"
    assert [r["role"] for r in data["roles"]] == ["resident"]
    assert data["account"]["id"] == user.id


def _every_text_value() -> list[str]:
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            values.extend(str(v) for v in row if v is not None)
    return values


def test_deletion_removes_name_and_email_from_every_table(client, login_as):
    admin = create_user(roles=(Role.ADMIN,), display_name="Admin Person")
    user = login_as(display_name="Quentin Oubli", email="quentin.oubli@example.org")
    user.district = create_district()
    db.session.commit()
    # Give the person some history: a role granted by an admin (audited) and their own actions.
    from civic.accounts.services import grant_role

    grant_role(actor=admin, target=user, role=Role.FUNDER)
    db.session.commit()

    token = csrf_token(client, "/account/delete")
    wrong = client.post(
        "/account/delete", data={"csrf_token": token, "password": "not my password!", "confirm": "y"}
    )
    assert wrong.status_code == 422
    response = client.post(
        "/account/delete", data={"csrf_token": token, "password": DEFAULT_PASSWORD, "confirm": "y"}
    )
    assert response.status_code == 303

    text_columns = [
        c for t in db.metadata.sorted_tables for c in t.columns if isinstance(c.type, (String, Text))
    ]
    assert text_columns, "the schema has text columns to scan"
    values = " ".join(_every_text_value()).lower()
    assert "quentin" not in values and "oubli" not in values
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.email is None and row.display_name is None and row.password_hash is None
    assert row.deleted_at is not None and row.roles == frozenset()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    # The session is over and the address can register again.
    assert client.get("/account").status_code == 302
    assert inspect(User).columns["email"].unique
