"""Who may do what with the voter roll: small pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def can_manage_roll(roles: Collection[Role]) -> bool:
    """Administrators import the census list, generate access codes and see the roll's summary."""
    return Role.ADMIN in roles


def can_check_in_person(roles: Collection[Role]) -> bool:
    """Front-desk staff (and administrators) add a person after checking a document, record participations."""
    return Role.FRONT_DESK in roles or Role.ADMIN in roles


def can_link_account(roles: Collection[Role]) -> bool:
    """Residents link their own account to their roll entry."""
    return Role.RESIDENT in roles
