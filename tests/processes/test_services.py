"""Edition services called directly: permission, refusals that name their input, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.permissions import can_manage_editions, can_view_edition
from civic.processes.phases import PhaseKind
from civic.processes.services import (
    DistrictShare,
    EditionData,
    EditionInvalid,
    PhaseDates,
    create_edition,
    slugify,
    update_edition,
)
from tests.factories import create_district, create_user

PARIS = ZoneInfo("Europe/Paris")


def _data(**overrides) -> EditionData:
    values = {"name": "Budget participatif 2026", "year": 2026, "envelope_cents": 100_000_00}
    values.update(overrides)
    return EditionData(**values)


def test_only_administrators_manage_editions():
    assert can_manage_editions({Role.ADMIN, Role.RESIDENT})
    assert not any(can_manage_editions({role}) for role in Role if role is not Role.ADMIN)
    assert can_view_edition(set(), published=True)
    assert not can_view_edition({Role.RESIDENT, Role.MODERATOR}, published=False)
    assert can_view_edition({Role.ADMIN}, published=False)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.ANALYST, Role.FRONT_DESK])
def test_the_service_itself_refuses_non_admins(english_request, role):
    with pytest.raises(PermissionDenied):
        create_edition(actor=create_user(roles=(role,)), data=_data())
    assert db.session.scalar(select(func.count(Edition.id))) == 0


def test_over_envelope_refusal_names_the_districts_and_both_amounts(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    north, south = create_district(), create_district()
    shares = (DistrictShare(north.id, 70_000_00), DistrictShare(south.id, 30_000_01))
    with pytest.raises(EditionInvalid) as caught:
        create_edition(actor=admin, data=_data(districts=shares))
    assert isinstance(caught.value, ValidationFailed) and caught.value.status_code == 422
    assert list(caught.value.problems) == ["districts"]
    assert str(caught.value.message) == (
        "The district envelopes add up to €100,000.01, more than the edition's envelope of €100,000."
    )


def test_sub_envelopes_may_add_up_to_exactly_the_envelope(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    north, south = create_district(), create_district()
    shares = (DistrictShare(north.id, 70_000_00), DistrictShare(south.id, 30_000_00))
    edition = create_edition(actor=admin, data=_data(districts=shares))
    assert sum(d.envelope_cents for d in edition.districts) == edition.envelope_cents


def test_unknown_districts_are_refused(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    with pytest.raises(EditionInvalid) as caught:
        create_edition(actor=admin, data=_data(districts=(DistrictShare(999_999),)))
    assert "districts" in caught.value.problems


def test_phase_dates_in_any_zone_are_stored_as_naive_utc(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    calendar = {
        PhaseKind.SUBMISSION: PhaseDates(
            datetime(2026, 3, 1, 10, tzinfo=PARIS), datetime(2026, 3, 29, 12, tzinfo=PARIS)
        ),
        PhaseKind.VOTE: PhaseDates(
            datetime(2026, 6, 1, 8, tzinfo=UTC), datetime(2026, 6, 30, 22, tzinfo=PARIS)
        ),
    }
    edition = create_edition(actor=admin, data=_data(calendar=calendar))
    assert {p.kind: (p.starts_at, p.ends_at) for p in edition.phases} == {
        PhaseKind.SUBMISSION: (datetime(2026, 3, 1, 9), datetime(2026, 3, 29, 10)),
        PhaseKind.VOTE: (datetime(2026, 6, 1, 8), datetime(2026, 6, 30, 20)),
    }


def test_naive_phase_dates_are_a_programming_error(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    calendar = {PhaseKind.VOTE: PhaseDates(datetime(2026, 6, 1), datetime(2026, 6, 2))}
    with pytest.raises(ValueError, match="timezone-aware"):
        create_edition(actor=admin, data=_data(calendar=calendar))


def test_calendar_refusals_point_at_the_faulty_date(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    calendar = {
        PhaseKind.SUBMISSION: PhaseDates(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)),
        PhaseKind.VOTE: PhaseDates(datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    }
    with pytest.raises(EditionInvalid) as caught:
        create_edition(actor=admin, data=_data(calendar=calendar))
    assert caught.value.problems == {
        "calendar.vote.ends_at": ["The phase must end after it starts."],
        "calendar.vote.starts_at": ["This phase starts before the previous phase of the calendar."],
    }


def test_the_update_service_refuses_before_changing_anything(english_request):
    admin = create_user(roles=(Role.ADMIN,))
    edition = create_edition(actor=admin, data=_data(themes=("Sport",)))
    db.session.commit()
    with pytest.raises(EditionInvalid):
        update_edition(actor=admin, edition=edition, data=_data(name="Autre", envelope_cents=-1, themes=()))
    assert edition.name == "Budget participatif 2026" and [t.name for t in edition.themes] == ["Sport"]
    assert not db.session.dirty


def test_slugs_are_lowercase_ascii():
    assert slugify("Budget participatif 2026 – Été à Lanester !") == "budget-participatif-2026-ete-a-lanester"
    assert slugify("«  »") == "edition"
    assert len(slugify("x" * 300)) == 100
