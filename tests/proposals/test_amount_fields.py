"""Money fields read amounts the way people type them in their language, and refuse absurd ones kindly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals.models import Proposal
from tests.conftest import csrf_token
from tests.factories import create_district, create_edition
from tests.processes.helpers import edition_payload


def _post_proposal(client, edition, **fields):
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    data = {
        "csrf_token": token,
        "title": "Des bancs au square",
        "summary": "Trois bancs à l'ombre pour les anciens.",
        "description": "Le square n'a aucun banc à l'ombre ; nous en proposons trois.",
        **fields,
    }
    return client.post(f"/editions/{edition.slug}/proposals/new", data=data)


def _proposal() -> Proposal:
    db.session.expire_all()
    return db.session.scalars(select(Proposal)).one()


@pytest.mark.parametrize(
    ("locale", "typed", "cents"),
    [
        ("fr", "15.000", 15_000_00),
        ("fr", "15\u202f000 €", 15_000_00),
        ("fr", "1 234,50", 1_234_50),
        ("en", "15,000", 15_000_00),
        ("en", "1,234.50", 1_234_50),
    ],
)
def test_cost_is_read_in_the_persons_language(client, login_as, locale, typed, cents):
    edition = create_edition()
    login_as(locale=locale)
    assert _post_proposal(client, edition, estimated_cost=typed).status_code == 303
    assert _proposal().estimated_cost_cents == cents


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e9", "en chiffres"),
        ("-300", "négatif"),
        ("12,345", "deux décimales"),
        ("9" * 30, "trop élevé"),
        ("beaucoup", "Indiquez un montant"),
    ],
)
def test_absurd_costs_are_refused_in_french_with_the_input_kept(client, login_as, typed, message):
    edition = create_edition()
    login_as(locale="fr")
    response = _post_proposal(client, edition, estimated_cost=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="Des bancs au square"' in page and f'value="{typed}"' in page
    assert db.session.scalar(select(Proposal)) is None


def test_a_cost_above_the_envelope_is_submitted_with_a_warning(client, login_as):
    edition = create_edition(envelope_cents=100_000_00)
    login_as(locale="fr")
    response = _post_proposal(client, edition, estimated_cost="250 000")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "au-dessus de l’enveloppe" in page or "au-dessus de l'enveloppe" in page
    assert _proposal().estimated_cost_cents == 250_000_00


def test_a_cost_above_the_district_sub_envelope_is_warned_on_the_form(client, login_as):
    district = create_district(name="Gare")
    edition = create_edition(envelope_cents=1_000_000_00, districts=[district])
    edition.districts[0].envelope_cents = 50_000_00
    db.session.commit()
    login_as(locale="en")
    # The title is too short: the form comes back, and already warns about the cost.
    response = _post_proposal(
        client, edition, title="Tiny", estimated_cost="80,000", district_id=str(district.id)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="cost-warning"' in page and "envelope of Gare" in page


def test_a_cost_within_the_envelope_has_no_warning(client, login_as):
    edition = create_edition(envelope_cents=100_000_00)
    login_as(locale="en")
    response = _post_proposal(client, edition, title="Tiny", estimated_cost="5,000")
    assert response.status_code == 422 and 'id="cost-warning"' not in response.get_data(as_text=True)


def test_the_edit_form_shows_the_cost_grouped_and_reads_it_back(client, login_as):
    edition = create_edition()
    login_as(locale="fr")
    _post_proposal(client, edition, estimated_cost="12 345,60")
    proposal = _proposal()
    page = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    assert 'value="12\u202f345,6"' in page


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, locale="fr")


def test_edition_envelope_reads_french_grouping_with_a_dot(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    response = client.post("/admin/editions/new", data=edition_payload(token, envelope="150.000"))
    assert response.status_code == 303
    assert db.session.scalars(select(Edition)).one().envelope_cents == 150_000_00


@pytest.mark.parametrize("field", ["envelope", "investment_budget"])
@pytest.mark.parametrize("typed", ["1e99999999", "9" * 25, "-1", "1,234"])
def test_edition_money_fields_refuse_absurd_amounts(client, admin, field, typed):
    token = csrf_token(client, "/admin/editions/new")
    response = client.post("/admin/editions/new", data=edition_payload(token, **{field: typed}))
    assert response.status_code == 422
    assert db.session.scalar(select(Edition)) is None


@pytest.mark.parametrize(
    "typed", ["1999-12-31T10:00", "2101-01-01T10:00", "0001-01-01T00:00", "2026-13-45T99:99"]
)
def test_phase_dates_outside_2000_2100_or_malformed_are_refused_on_the_field(client, admin, typed):
    token = csrf_token(client, "/admin/editions/new")
    payload = edition_payload(token, submission_starts_at=typed, submission_ends_at="2026-06-01T10:00")
    response = client.post("/admin/editions/new", data=payload)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="submission_starts_at-error"' in page
    assert db.session.scalar(select(Edition)) is None


@pytest.mark.parametrize("typed", ["NaN", "nan", "inf", "-Infinity", "1e309"])
def test_coordinates_that_are_not_numbers_are_refused(client, login_as, typed):
    edition = create_edition()
    login_as(locale="en")
    response = _post_proposal(client, edition, latitude=typed, longitude="1.44")
    assert response.status_code == 422 and 'id="latitude-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Proposal)) is None


def test_an_htmx_submission_that_succeeds_asks_htmx_to_load_the_new_page(client, login_as):
    edition = create_edition()
    login_as()
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    data = {
        "csrf_token": token,
        "title": "Des bancs au square",
        "summary": "Trois bancs à l'ombre pour les anciens.",
        "description": "Le square n'a aucun banc à l'ombre ; nous en proposons trois.",
    }
    response = client.post(f"/editions/{edition.slug}/proposals/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/proposals/{_proposal().id}"
