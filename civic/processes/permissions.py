"""Who may do what with editions: small pure predicates over a person's roles."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def can_manage_editions(roles: Collection[Role]) -> bool:
    """Only administrators create and configure editions."""
    return Role.ADMIN in roles


def can_view_edition(roles: Collection[Role], *, published: bool) -> bool:
    """Everyone sees a published edition; only administrators see one still in preparation."""
    return published or can_manage_editions(roles)
