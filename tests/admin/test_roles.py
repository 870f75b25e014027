"""Administrators grant and revoke roles; every change is audited; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.conftest import csrf_token
from tests.factories import create_user


def test_grant_and_revoke_are_audited_with_before_and_after(client, login_as):
    admin = login_as(Role.ADMIN)
    target = create_user()
    token = csrf_token(client, f"/admin/users/{target.id}")
    assert (
        client.post(
            f"/admin/users/{target.id}/roles",
            data={"csrf_token": token, "role": "analyst", "action": "grant"},
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/admin/users/{target.id}/roles",
            data={"csrf_token": token, "role": "resident", "action": "revoke"},
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == {Role.ANALYST}
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("role.%")).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor_id, e.target_id, e.before, e.after) for e in entries] == [
        ("role.grant", admin.id, str(target.id), {"roles": ["resident"]}, {"roles": ["analyst", "resident"]}),
        ("role.revoke", admin.id, str(target.id), {"roles": ["analyst", "resident"]}, {"roles": ["analyst"]}),
    ]
    audit_page = client.get("/admin/audit").get_data(as_text=True)
    assert "role.grant" in audit_page and "role.revoke" in audit_page


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_non_admins_cannot_change_roles(client, login_as, role):
    login_as(role)
    target = create_user()
    token = csrf_token(client)
    response = client.post(
        f"/admin/users/{target.id}/roles", data={"csrf_token": token, "role": "admin", "action": "grant"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == {Role.RESIDENT}
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_admin_cannot_remove_their_own_admin_role(client, login_as):
    admin = login_as(Role.ADMIN)
    token = csrf_token(client)
    response = client.post(
        f"/admin/users/{admin.id}/roles", data={"csrf_token": token, "role": "admin", "action": "revoke"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert Role.ADMIN in db.session.get(User, admin.id).roles


def test_user_list_filters_by_text_and_role_with_htmx_fragment(client, login_as):
    login_as(Role.ADMIN)
    create_user(display_name="Gaëlle Analyste", roles=(Role.ANALYST,))
    create_user(display_name="Hervé Habitant")
    page = client.get("/admin/users?role=analyst").get_data(as_text=True)
    assert "Gaëlle Analyste" in page and "Hervé Habitant" not in page
    fragment = client.get("/admin/users?q=herv", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert (
        "<html" not in body and 'id="user-list"' in body and "Hervé Habitant" in body and "Gaëlle" not in body
    )


def test_unknown_role_value_is_refused(client, login_as):
    login_as(Role.ADMIN)
    target = create_user()
    token = csrf_token(client)
    response = client.post(
        f"/admin/users/{target.id}/roles", data={"csrf_token": token, "role": "emperor", "action": "grant"}
    )
    assert response.status_code == 422
