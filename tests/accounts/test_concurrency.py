"""Simultaneous duplicates never give a 500 nor act twice; e-mails leave only after the commit."""

from __future__ import annotations

import threading

from flask import current_app
from sqlalchemy import func, select

from civic.accounts import services
from civic.accounts.models import RoleGrant, User
from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.mail import outbox as current_outbox
from civic.core.mail import send_mail
from civic.extensions import db
from tests.conftest import csrf_token, log_in
from tests.factories import create_user


def _race(monkeypatch, module, name, requests, *, then=lambda result: None):
    """Run ``requests`` in threads, all of them past the check ``module.name`` before any writes."""
    barrier = threading.Barrier(len(requests), timeout=10)
    real = getattr(module, name)
    seen = threading.local()

    def checked_then_wait(*args, **kwargs):
        result = real(*args, **kwargs)
        then(result)
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return result

    monkeypatch.setattr(module, name, checked_then_wait)
    responses: list = [None] * len(requests)

    def run(i):
        responses[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def _count(query) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_two_simultaneous_registrations_of_one_address_create_one_account(app, outbox, monkeypatch):
    clients = [app.test_client() for _ in range(2)]
    tokens = [csrf_token(c, "/register") for c in clients]

    def register(i):
        return lambda: clients[i].post(
            "/register",
            data={
                "csrf_token": tokens[i],
                "email": "twice@example.org",
                "display_name": f"Twin {i}",
                "password": "lantern orchard pebble 42",
            },
        )

    responses = _race(monkeypatch, services, "find_live_user_by_email", [register(0), register(1)])
    assert [r.status_code for r in responses] == [303, 303]
    assert _count(select(User).where(User.email == "twice@example.org")) == 1
    assert _count(select(AuditEntry).where(AuditEntry.action == "account.register")) == 1
    # The winner gets a confirmation link; the loser's attempt is told to the owner, as any re-registration.
    assert sorted(m.template for m in outbox) == ["already_registered", "confirm_email"]


def test_two_simultaneous_grants_of_one_role_grant_it_once(app, monkeypatch):
    admins = [create_user(roles=(Role.ADMIN,)) for _ in range(2)]
    target = create_user()
    clients = [app.test_client() for _ in range(2)]
    for client, admin in zip(clients, admins, strict=True):
        log_in(client, admin)
    tokens = [csrf_token(c, f"/admin/users/{target.id}") for c in clients]

    def grant(i):
        return lambda: clients[i].post(
            f"/admin/users/{target.id}/roles",
            data={"csrf_token": tokens[i], "role": "analyst", "action": "grant"},
        )

    # Both admins load the person's roles (without analyst) before either writes.
    import civic.admin.views as admin_views

    responses = _race(
        monkeypatch, admin_views, "_live_user", [grant(0), grant(1)], then=lambda user: user.roles
    )
    assert sorted(r.status_code for r in responses) == [303, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "Cette personne a déjà ce rôle" in loser.get_data(as_text=True)
    assert (
        _count(select(RoleGrant).where(RoleGrant.user_id == target.id, RoleGrant.role == Role.ANALYST)) == 1
    )
    assert _count(select(AuditEntry).where(AuditEntry.action == "role.grant")) == 1


def test_granting_a_role_already_held_is_a_clear_conflict(client, login_as):
    login_as(Role.ADMIN)
    target = create_user(roles=(Role.RESIDENT, Role.ANALYST))
    token = csrf_token(client, f"/admin/users/{target.id}")
    response = client.post(
        f"/admin/users/{target.id}/roles", data={"csrf_token": token, "role": "analyst", "action": "grant"}
    )
    assert response.status_code == 409
    assert "Cette personne a déjà ce rôle" in response.get_data(as_text=True)


def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(app):
    with current_app.test_request_context():
        create_user(email="someone@example.org")
        send_mail(to="someone@example.org", template="reset_password", locale="fr", name="X", reset_url="u")
        assert current_outbox() == []
        db.session.rollback()
        db.session.commit()
        assert current_outbox() == []


def test_a_mail_leaves_when_its_transaction_commits(app):
    with current_app.test_request_context():
        db.session.execute(select(1))
        send_mail(to="someone@example.org", template="reset_password", locale="fr", name="X", reset_url="u")
        assert current_outbox() == []
        db.session.commit()
        assert [m.to for m in current_outbox()] == ["someone@example.org"]


def test_a_mail_queued_in_a_rolled_back_savepoint_is_dropped_and_the_others_leave(app):
    with current_app.test_request_context():
        db.session.execute(select(1))
        send_mail(to="kept@example.org", template="reset_password", locale="fr", name="X", reset_url="u")
        savepoint = db.session.begin_nested()
        send_mail(to="dropped@example.org", template="reset_password", locale="fr", name="X", reset_url="u")
        savepoint.rollback()
        released = db.session.begin_nested()
        send_mail(to="released@example.org", template="reset_password", locale="fr", name="X", reset_url="u")
        released.commit()
        assert current_outbox() == []  # releasing a savepoint is not the commit
        db.session.commit()
        assert [m.to for m in current_outbox()] == ["kept@example.org", "released@example.org"]


def test_a_failing_registration_sends_no_mail(client, outbox, monkeypatch):
    def broken(*, user):
        services.send_mail(to=user.email, template="confirm_email", locale="fr", name="X", confirm_url="u")
        raise RuntimeError("the database went away after the mail was asked for")

    monkeypatch.setattr(services, "send_confirmation", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "email": "lost@example.org",
            "display_name": "Lost",
            "password": "lantern orchard pebble 42",
        },
    )
    assert response.status_code == 500
    assert outbox == []
    assert _count(select(User).where(User.email == "lost@example.org")) == 0


def test_a_mail_asked_for_outside_any_transaction_waits_for_the_next_commit(app):
    with current_app.test_request_context():
        db.session.commit()
        send_mail(to="later@example.org", template="reset_password", locale="en", name="X", reset_url="u")
        assert current_outbox() == []
        db.session.commit()
        assert [m.to for m in current_outbox()] == ["later@example.org"]
