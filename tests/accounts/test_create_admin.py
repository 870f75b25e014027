"""A town sets itself up: `civic create-admin EMAIL`; the demo seed is refused in production."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.cli import DEMO_PASSWORD
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_user

STRONG = "lantern orchard pebble 42"


def _user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_admin_prompts_twice_and_creates_a_confirmed_admin_who_can_log_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", "Maire@Ville.example.fr"], input=f"{STRONG}\n{STRONG}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created the administrator account maire@ville.example.fr" in result.output
    assert STRONG not in result.output  # hidden input
    user = _user("maire@ville.example.fr")
    assert user.is_confirmed and user.roles == {Role.ADMIN}
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "account.create_admin")
    ).target_id == str(user.id)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": STRONG})
    assert response.status_code == 303
    assert client.get("/admin/users").status_code == 200


def test_create_admin_reads_the_password_from_stdin_for_scripts(app):
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", "dsi@ville.example.fr", "--password-stdin", "--name", "DSI"],
        input=f"{STRONG}\n",
    )
    assert result.exit_code == 0, result.output
    assert _user("dsi@ville.example.fr").display_name == "DSI"


def test_create_admin_refuses_different_passwords(app):
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", "maire@ville.example.fr"], input=f"{STRONG}\nsomething else\n\n"
    )
    assert result.exit_code != 0
    assert _user("maire@ville.example.fr") is None


def test_create_admin_refuses_the_demo_password(app):
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", "maire@ville.example.fr", "--password-stdin"],
        input=f"{DEMO_PASSWORD}\n",
    )
    assert result.exit_code == 2
    assert "demo password" in result.output
    assert _user("maire@ville.example.fr") is None


def test_create_admin_refuses_weak_passwords(app):
    for weak, why in (("short", "too short"), ("password1234", "too common")):
        result = app.test_cli_runner().invoke(
            args=["civic", "create-admin", "maire@ville.example.fr", "--password-stdin"], input=f"{weak}\n"
        )
        assert result.exit_code == 2 and why in result.output
    assert _user("maire@ville.example.fr") is None


def test_create_admin_promotes_an_existing_account_without_touching_its_password(app):
    person = create_user(email="elu@ville.example.fr")
    result = app.test_cli_runner().invoke(args=["civic", "create-admin", "elu@ville.example.fr"])
    assert result.exit_code == 0, result.output
    user = _user("elu@ville.example.fr")
    assert user.roles == {Role.ADMIN, Role.RESIDENT} and user.id == person.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.grant"))
    assert entry.actor_id is None and entry.after == {"roles": ["admin", "resident"]}
    from civic.accounts.passwords import verify_password

    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_create_admin_refuses_an_invalid_address(app):
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", "not-an-address", "--password-stdin"]
    )
    assert result.exit_code == 2 and "not a valid e-mail address" in result.output


def test_seed_demo_is_refused_in_production(app):
    # The command runs in the app context already pushed for test code (see conftest).
    current_app.config["ENVIRONMENT"] = app.config["ENVIRONMENT"] = "production"
    result = app.test_cli_runner().invoke(args=["civic", "seed-demo"])
    assert result.exit_code == 2
    assert "CIVIC_ENV=production" in result.output
    assert db.session.scalar(select(User).limit(1)) is None
