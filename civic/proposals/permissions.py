"""Who may do what with proposals and comments: pure predicates."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from civic.accounts.roles import Role

COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def can_submit_in_person(roles: Collection[Role]) -> bool:
    """Front-desk staff (and administrators) enter proposals for residents at the town hall."""
    return Role.FRONT_DESK in roles or Role.ADMIN in roles


def can_see_private_contact(roles: Collection[Role]) -> bool:
    """Only staff who handle in-person submissions see a resident's name and contact."""
    return can_submit_in_person(roles)


def can_read_hidden(*, is_holder: bool, is_moderator: bool) -> bool:
    """Content hidden by moderation stays readable by its authors (with a notice) and by moderators only."""
    return is_holder or is_moderator


def can_edit_proposal(*, user_id: int, holder_ids: Collection[int]) -> bool:
    """The author and accepted co-authors edit and withdraw a proposal."""
    return user_id in holder_ids


def can_edit_comment(*, user_id: int, author_id: int | None, created_at: datetime, now: datetime) -> bool:
    """Authors edit their comment for 15 minutes after posting it."""
    return author_id == user_id and now - created_at <= COMMENT_EDIT_WINDOW
