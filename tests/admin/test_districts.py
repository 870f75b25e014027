"""Admins manage the town's districts (with population) and each edition's themes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.processes.models import District, Theme
from tests.conftest import csrf_token
from tests.factories import create_district, create_edition, create_proposal


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, locale="en")


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def _post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/districts"), **data})


def test_admin_creates_a_district_with_its_population_audited(client, admin):
    response = _post(client, "/admin/districts/new", name="  Quartier   des Tilleuls ", population="4200")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/districts"
    db.session.expire_all()
    district = db.session.scalars(select(District)).one()
    assert (district.name, district.slug, district.population) == (
        "Quartier des Tilleuls",
        "quartier-des-tilleuls",
        4200,
    )
    [entry] = _audit("district.create")
    assert entry.actor_id == admin.id and entry.target_id == str(district.id)
    assert entry.after == {
        "name": "Quartier des Tilleuls",
        "slug": "quartier-des-tilleuls",
        "population": 4200,
    }
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "Quartier des Tilleuls" in page and "4,200" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "centre", "population": "10"}, "Another district already has this name."),
        ({"name": "Gare", "population": "0"}, "Number must be between 1 and 100000000."),
        ({"name": "Gare", "population": "beaucoup"}, "Not a valid integer value."),
        ({"name": "", "population": "12"}, "This field is required."),
    ],
    ids=["duplicate", "zero", "not-a-number", "no-name"],
)
def test_invalid_district_is_refused_with_422_and_the_input_kept(client, admin, data, message):
    create_district(name="Centre")
    response = _post(client, "/admin/districts/new", **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and message in page
    if data["name"]:
        assert f'value="{data["name"]}"' in page
    db.session.expire_all()
    assert db.session.query(District).count() == 1


def test_editing_a_district_audits_what_changed(client, admin):
    district = create_district(name="Centre")
    response = _post(client, f"/admin/districts/{district.id}/edit", name="Centre", population="8000")
    assert response.status_code == 303
    [entry] = _audit("district.update")
    assert entry.before == {"population": None} and entry.after == {"population": 8000}


def test_an_unused_district_is_deleted_after_confirmation(client, admin):
    district_id = create_district(name="Centre").id
    confirm = client.get(f"/admin/districts/{district_id}/delete")
    assert confirm.status_code == 200 and "This cannot be undone." in confirm.get_data(as_text=True)
    assert _post(client, f"/admin/districts/{district_id}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.get(District, district_id) is None
    [entry] = _audit("district.delete")
    assert entry.before["name"] == "Centre"


def test_a_district_in_use_is_not_deleted_and_the_refusal_says_why(client, admin):
    district = create_district(name="Centre")
    edition = create_edition(districts=[district])
    create_proposal(edition=edition, district=district)
    assert "In use: cannot be deleted" in client.get("/admin/districts").get_data(as_text=True)
    confirm = client.get(f"/admin/districts/{district.id}/delete").get_data(as_text=True)
    assert (
        "it is still used (1 edition, 1 proposal)" in confirm
        and 'type="submit"' not in confirm.split("<main")[1]
    )
    response = _post(client, f"/admin/districts/{district.id}/delete")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "“Centre” cannot be deleted: it is still used (1 edition, 1 proposal)." in page
    db.session.expire_all()
    assert db.session.get(District, district.id) is not None
    assert _audit("district.delete") == []


def test_themes_of_an_edition_are_added_renamed_and_deleted_when_unused(client, admin):
    edition = create_edition()
    url = f"/admin/editions/{edition.id}/themes"
    assert "Nature en ville" in client.get(url).get_data(as_text=True)
    assert _post(client, url, name="Sport").status_code == 303
    sport_id = db.session.scalars(select(Theme.id).where(Theme.name == "Sport")).one()
    assert _post(client, f"/admin/themes/{sport_id}/edit", name="Sports et loisirs").status_code == 303
    assert _post(client, f"/admin/themes/{sport_id}/delete").status_code == 303
    assert [e.action for e in _audit("theme.create") + _audit("theme.update") + _audit("theme.delete")] == [
        "theme.create",
        "theme.update",
        "theme.delete",
    ]
    assert _audit("theme.update")[0].after == {"name": "Sports et loisirs"}
    db.session.expire_all()
    assert db.session.get(Theme, sport_id) is None


def test_a_duplicate_theme_is_refused_with_422(client, admin):
    edition = create_edition()
    response = _post(client, f"/admin/editions/{edition.id}/themes", name="nature EN ville")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This edition already has a theme with this name." in page and 'value="nature EN ville"' in page


def test_a_theme_used_by_a_proposal_is_not_deleted(client, admin):
    edition = create_edition()
    theme = edition.themes[0]
    proposal = create_proposal(edition=edition)
    proposal.theme_id = theme.id
    db.session.commit()
    response = _post(client, f"/admin/themes/{theme.id}/delete")
    assert response.status_code == 409 and "it is still used (1 proposal)" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Theme, theme.id) is not None


def test_only_admins_manage_districts_and_themes(client, login_as):
    district = create_district()
    login_as(Role.ANALYST)
    assert client.get("/admin/districts").status_code == 403
    assert _post(client, f"/admin/districts/{district.id}/delete").status_code == 403


def test_renaming_a_theme_to_a_name_already_taken_is_refused_with_422(client, admin):
    edition = create_edition()
    mobility = next(theme for theme in edition.themes if theme.name == "Mobilités")
    response = _post(client, f"/admin/themes/{mobility.id}/edit", name="NATURE en ville")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'value="NATURE en ville"' in page
    db.session.expire_all()
    assert db.session.get(Theme, mobility.id).name == "Mobilités"
