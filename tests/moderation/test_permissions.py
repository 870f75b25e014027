"""Who may write and moderate: pure predicates, tested without the app."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from civic.accounts.roles import Role
from civic.moderation.permissions import can_block, can_moderate, can_write

NOW = datetime(2026, 3, 1, 12, 0)


def person(**kwargs: object) -> SimpleNamespace:
    return SimpleNamespace(**{"is_authenticated": True, "blocked_at": None, "deleted_at": None, **kwargs})


def test_live_account_can_write():
    assert can_write(person())


def test_blocked_or_deleted_account_cannot_write():
    assert not can_write(person(blocked_at=NOW))
    assert not can_write(person(deleted_at=NOW))


def test_anonymous_visitor_cannot_write():
    assert not can_write(None)
    assert not can_write(SimpleNamespace(is_authenticated=False))


@pytest.mark.parametrize("role", list(Role))
def test_only_moderators_facilitators_and_admins_moderate(role):
    assert can_moderate({role, Role.RESIDENT}) is (role in {Role.MODERATOR, Role.FACILITATOR, Role.ADMIN})


def test_moderator_blocks_residents_and_moderators_but_not_admins_nor_themselves():
    moderator = {Role.MODERATOR}
    assert can_block(moderator, actor_id=1, target_id=2, target_roles={Role.RESIDENT})
    assert can_block(moderator, actor_id=1, target_id=2, target_roles={Role.MODERATOR})
    assert not can_block(moderator, actor_id=1, target_id=2, target_roles={Role.ADMIN, Role.RESIDENT})
    assert not can_block(moderator, actor_id=1, target_id=1, target_roles={Role.MODERATOR})
    assert not can_block({Role.ANALYST}, actor_id=1, target_id=2, target_roles={Role.RESIDENT})
