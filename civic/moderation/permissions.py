"""Who may write and who may moderate: small pure predicates (no framework imports)."""

from __future__ import annotations

from collections.abc import Collection

# can_write reads an account state (blocked, deleted) that proposals check too: it lives in accounts,
# below proposals, and is re-exported here for moderation's own callers.
from civic.accounts.permissions import Writer, can_write
from civic.accounts.roles import Role

__all__ = ["MODERATION_ROLES", "Writer", "can_block", "can_moderate", "can_write"]

MODERATION_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


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
