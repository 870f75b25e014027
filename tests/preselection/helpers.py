"""Builders for pre-selection tests: an edition in its pre-selection phase, proposals, rules, residents."""

from __future__ import annotations

from civic.extensions import db
from civic.preselection import services
from civic.preselection.models import SupportRule
from tests.factories import create_district, create_edition, create_proposal, create_user


def preselection_edition(*, open_phase: str = "preselection", districts: int = 2, **rule):
    """Return (edition, [district…]) with a stored default rule (keywords: SupportRule columns)."""
    made = [create_district() for _ in range(districts)]
    edition = create_edition(open_phase=open_phase, districts=made)
    values = {"per_person_cap": 3, "eligible_only": False} | rule
    db.session.add(SupportRule(edition_id=edition.id, district_id=None, **values))
    db.session.commit()
    return edition, made


def resident(district=None, **kwargs):
    """Create a resident living in ``district``."""
    user = create_user(**kwargs)
    user.district_id = district.id if district else None
    db.session.commit()
    return user


def proposals(edition, count: int, district=None, **kwargs):
    return [create_proposal(edition=edition, district=district, **kwargs) for _ in range(count)]


def support_all(user, items) -> None:
    for proposal in items:
        services.support(actor=user, proposal=proposal)
    db.session.commit()
