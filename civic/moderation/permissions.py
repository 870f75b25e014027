"""Who may write and who may moderate: small pure predicates (no framework imports)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from civic.accounts.roles import Role

MODERATION_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


class Writer(Protocol):
    """What ``can_write`` reads of a person: a ``User``, or Flask-Login's anonymous user."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def blocked_at(self) -> datetime | None: ...

    @property
    def deleted_at(self) -> datetime | None: ...


def can_write(user: Writer | None) -> bool:
    """Let a live, unblocked account write (propose, comment, report); never an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return False
    return user.blocked_at is None and user.deleted_at is None


def can_moderate(roles: Collection[Role]) -> bool:
    """Moderators and administrators see the queue and decide on reports."""
    return any(role in MODERATION_ROLES for role in roles)


def can_block(
    actor_roles: Collection[Role], *, actor_id: int, target_id: int, target_roles: Collection[Role]
) -> bool:
    """Let a moderator block or unblock an account, except their own and an administrator's."""
    if not can_moderate(actor_roles) or actor_id == target_id:
        return False
    return Role.ADMIN not in target_roles
