"""Who may do what with accounts: small pure predicates over a person's roles."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from civic.accounts.roles import STAFF_ROLES, Role
from civic.core.time import utcnow


def is_staff(roles: Collection[Role]) -> bool:
    """Tell whether any of these roles is a staff role."""
    return any(role in STAFF_ROLES for role in roles)


def may_use_remember_me(roles: Collection[Role]) -> bool:
    """Allow a long-lived login cookie only to people without staff roles."""
    return not is_staff(roles)


# Facilitators run the public debate, so they moderate it too (hide, restore, block).
MODERATION_ROLES = frozenset({Role.MODERATOR, Role.FACILITATOR, Role.ADMIN})


def can_moderate(roles: Collection[Role]) -> bool:
    """Moderators, facilitators and administrators see the queue and decide on reports."""
    return any(role in MODERATION_ROLES for role in roles)


def can_manage_roles(roles: Collection[Role]) -> bool:
    """Only administrators grant and revoke roles."""
    return Role.ADMIN in roles


def can_view_users(roles: Collection[Role]) -> bool:
    """Administrators see the list of accounts."""
    return Role.ADMIN in roles


def can_view_audit_log(roles: Collection[Role]) -> bool:
    """Administrators read the audit log."""
    return Role.ADMIN in roles


def can_change_role(actor_roles: Collection[Role], *, actor_id: int, target_id: int, role: Role) -> bool:
    """Let an administrator change roles, but never remove their own admin role (no lock-out)."""
    if not can_manage_roles(actor_roles):
        return False
    return not (actor_id == target_id and role is Role.ADMIN)


class Writer(Protocol):
    """What ``can_write`` reads of a person: a ``User``, or Flask-Login's anonymous user."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def blocked_at(self) -> datetime | None: ...

    @property
    def deleted_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class BlockNotice:
    """Why a person cannot write: the moderators' reason and, for a temporary block, its end (naive UTC)."""

    reason: str | None
    until: datetime | None


def is_blocked(user: object, now: datetime) -> bool:
    """Tell whether a block is in force at ``now`` (a block with an end date lapses by itself)."""
    if getattr(user, "blocked_at", None) is None:
        return False
    until: datetime | None = getattr(user, "blocked_until", None)
    return until is None or now < until


def block_notice(user: object, now: datetime) -> BlockNotice | None:
    """Return why ``user`` cannot write at ``now``, or None when no block is in force (for pages to show)."""
    if not is_blocked(user, now):
        return None
    return BlockNotice(reason=getattr(user, "blocked_reason", None), until=getattr(user, "blocked_until", None))


def can_write(user: Writer | None, now: datetime | None = None) -> bool:
    """Let a live, unblocked account write (propose, comment, report); never an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return False
    return user.deleted_at is None and not is_blocked(user, now or utcnow())
