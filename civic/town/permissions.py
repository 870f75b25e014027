"""Who may change the town's settings and pages: small pure predicates over a person's roles."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from civic.accounts.roles import Role


class Actor(Protocol):
    """Whoever acts (an account): the town's services need only its id and roles."""

    @property
    def id(self) -> int: ...

    @property
    def roles(self) -> frozenset[Role]: ...


def can_manage_town(roles: Collection[Role]) -> bool:
    """Only administrators set the town's identity, districts, themes and public pages."""
    return Role.ADMIN in roles
