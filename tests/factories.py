"""Plain factories with keyword defaults; they commit so HTTP requests see the rows."""

from __future__ import annotations

import itertools

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.accounts.services import create_user as _create_user
from civic.extensions import db
from civic.processes.models import District

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def create_user(
    *,
    email: str | None = None,
    display_name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    roles: tuple[Role, ...] = (Role.RESIDENT,),
    confirmed: bool = True,
    locale: str = "fr",
) -> User:
    """Insert a confirmed resident (or whatever the keywords say)."""
    n = next(_counter)
    user = _create_user(
        email=email or f"person{n}@example.org",
        display_name=display_name or f"Person {n}",
        password=password,
        roles=roles,
        confirmed=confirmed,
        locale=locale,
    )
    db.session.commit()
    return user


def create_district(*, name: str | None = None) -> District:
    """Insert a district."""
    n = next(_counter)
    district = District(name=name or f"District {n}", slug=f"district-{n}")
    db.session.add(district)
    db.session.commit()
    return district
