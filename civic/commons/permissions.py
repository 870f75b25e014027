"""Who may do what in the appels à communs: small pure predicates over roles and ids."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role

ORGANISER_ROLES = frozenset({Role.ORGANISER, Role.ADMIN})
FUNDER_ROLES = frozenset({Role.FUNDER, Role.ORGANISER, Role.ADMIN})


def can_organise(roles: Collection[Role]) -> bool:
    """Community organisers (and administrators) launch calls, allocate the pool, close rounds, cancel projects."""
    return any(role in ORGANISER_ROLES for role in roles)


def can_fund(roles: Collection[Role]) -> bool:
    """Funders record what they put into a round's pool; organisers record it for funders without an account."""
    return any(role in FUNDER_ROLES for role in roles)


def is_holder(user_id: int | None, holder_id: int | None) -> bool:
    """The project's holder confirms deliveries; nobody else does."""
    return user_id is not None and user_id == holder_id
