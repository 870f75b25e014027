"""Who may write and who may moderate: small pure predicates (no framework imports)."""

from __future__ import annotations

from collections.abc import Collection

# can_write and can_moderate are read by proposals too: they live in accounts, below proposals, and are
# re-exported here for moderation's own callers.
from civic.accounts.permissions import (
    MODERATION_ROLES,
    BlockNotice,
    Writer,
    block_notice,
    can_moderate,
    can_write,
    is_blocked,
)
from civic.accounts.roles import Role

__all__ = [
    "MODERATION_ROLES",
    "BlockNotice",
    "Writer",
    "block_notice",
    "can_block",
    "can_moderate",
    "can_write",
    "is_blocked",
]

def can_block(
    actor_roles: Collection[Role], *, actor_id: int, target_id: int, target_roles: Collection[Role]
) -> bool:
    """Let a moderator block or unblock an account, except their own and an administrator's."""
    if not can_moderate(actor_roles) or actor_id == target_id:
        return False
    return Role.ADMIN not in target_roles
