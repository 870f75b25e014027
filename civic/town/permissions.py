"""Who may change the town's settings and pages: small pure predicates over a person's roles."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def can_manage_town(roles: Collection[Role]) -> bool:
    """Only administrators set the town's identity, districts, themes and public pages."""
    return Role.ADMIN in roles
