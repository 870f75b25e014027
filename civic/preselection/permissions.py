"""Who may do what in pre-selection: small pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def can_manage_preselection(roles: Collection[Role]) -> bool:
    """Administrators set the support rules, run the qualification, override it, record pre-selection days."""
    return Role.ADMIN in roles


def can_record_in_person(roles: Collection[Role]) -> bool:
    """Front-desk staff (and administrators) record the support of a person who comes to the town hall."""
    return Role.FRONT_DESK in roles or Role.ADMIN in roles


def is_eligible(
    *, eligible_only: bool, person_district_id: int | None, proposal_district_id: int | None
) -> bool:
    """Tell whether a person may support a proposal: anyone, or (eligible-only) a resident of its district.

    The voter roll comes in a later issue: until then "eligible" means a resident whose account (or, at the
    front desk, whose checked address) is in the proposal's district; edition-wide proposals take any resident.
    """
    if not eligible_only or proposal_district_id is None:
        return True
    return person_district_id == proposal_district_id
