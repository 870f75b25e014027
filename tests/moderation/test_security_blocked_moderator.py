"""A block stops every write, moderation decisions included: a moderator blocked by another one (or by an
administrator) can neither hide content, dismiss reports, nor block or unblock anyone until the block ends."""

from __future__ import annotations

from civic.accounts.roles import Role
from civic.core.time import utcnow
from civic.extensions import db
from civic.moderation.models import Report, ReportState
from tests.conftest import csrf_token, log_in
from tests.factories import create_comment, create_report, create_user


def _blocked_moderator():
    moderator = create_user(roles=(Role.MODERATOR,))
    moderator.blocked_at = utcnow()
    moderator.blocked_reason = "Abus de pouvoir"
    db.session.commit()
    return moderator


def test_a_blocked_moderator_cannot_hide_or_dismiss(client):
    report = create_report(target=create_comment())
    log_in(client, _blocked_moderator())
    token = csrf_token(client, "/moderation")
    hide = {"csrf_token": token, "reason": "offensive", "confirmed": "yes", "next": "/moderation"}
    assert client.post(f"/moderation/reports/{report.id}/hide", data=hide).status_code == 403
    assert client.post(f"/moderation/reports/{report.id}/dismiss", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Report, report.id).state is ReportState.OPEN


def test_a_blocked_moderator_cannot_block_or_unblock(client):
    victim = create_user()
    other = create_user()
    other.blocked_at = utcnow()
    db.session.commit()
    log_in(client, _blocked_moderator())
    token = csrf_token(client, "/moderation")
    block = {"csrf_token": token, "reason": "Représailles"}
    assert client.post(f"/moderation/users/{victim.id}/block", data=block).status_code == 403
    assert client.post(f"/moderation/users/{other.id}/unblock", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert victim.blocked_at is None and other.blocked_at is not None
