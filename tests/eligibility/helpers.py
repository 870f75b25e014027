"""Builders for voter roll tests: an edition whose vote is ahead, census files, roll entries."""

from __future__ import annotations

from civic.eligibility import census
from civic.extensions import db
from tests.factories import create_district, create_edition, create_user


def roll_edition(*, open_phase: str = "analysis", districts: int = 2):
    """Return (edition, [district…]): by default the vote phase opens in about a month."""
    made = [create_district() for _ in range(districts)]
    edition = create_edition(open_phase=open_phase, districts=made)
    return edition, made


def csv_file(lines: list[str], *, header: str = "identifier;birth_date;district", bom: bool = False) -> bytes:
    text = "\n".join([header, *lines]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def import_lines(admin, edition, lines: list[str], **kwargs):
    """Import a census file at once (the service, no preview page) and commit."""
    result = census.import_census(actor=admin, edition=edition, data=csv_file(lines, **kwargs))
    db.session.commit()
    return result


def admin_user():
    from civic.accounts.roles import Role

    return create_user(roles=(Role.ADMIN, Role.RESIDENT))


def front_desk_user():
    from civic.accounts.roles import Role

    return create_user(roles=(Role.FRONT_DESK, Role.RESIDENT))
