"""Who may count and publish: pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def can_run_counts(roles: Collection[Role]) -> bool:
    """Analysts and administrators run counts."""
    return Role.ANALYST in roles or Role.ADMIN in roles


def can_publish_results(roles: Collection[Role]) -> bool:
    """Only administrators publish a count as the official result."""
    return Role.ADMIN in roles
