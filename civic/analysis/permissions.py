"""Who may do what in the technical analysis: small pure predicates (no framework imports)."""

from __future__ import annotations

from collections.abc import Collection

from civic.accounts.roles import Role


def is_manager(roles: Collection[Role]) -> bool:
    """The analysis manager (and administrators, who may do everything a manager can)."""
    return Role.ANALYSIS_MANAGER in roles or Role.ADMIN in roles


def can_use_analysis(roles: Collection[Role]) -> bool:
    """Analysts and managers open the analysis pages."""
    return Role.ANALYST in roles or is_manager(roles)


def can_work_on(roles: Collection[Role], *, user_id: int, analyst_ids: Collection[int]) -> bool:
    """An analyst works only on the reviews assigned to them; the manager on every review."""
    return is_manager(roles) or (Role.ANALYST in roles and user_id in analyst_ids)


def can_see_draft(roles: Collection[Role], *, user_id: int | None, holder_ids: Collection[int]) -> bool:
    """The draft verdict is shown to the proposal's holders and to the analysis staff, to nobody else."""
    return (user_id is not None and user_id in holder_ids) or can_use_analysis(roles)


def can_reply(*, user_id: int, holder_ids: Collection[int]) -> bool:
    """Only the holders (author and accepted co-authors) answer a draft verdict."""
    return user_id in holder_ids
