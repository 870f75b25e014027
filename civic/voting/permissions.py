"""Who may set up the ballot: pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def can_manage_ballot(roles: Collection[Role]) -> bool:
    """Administrators choose the ballot settings and build the ballots.

    The analysis manager role (being added by the analysis lane) should get this too once it exists.
    """
    return Role.ADMIN in roles
