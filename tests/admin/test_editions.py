"""Administrators create and edit editions: money, districts, themes, a calendar typed in Paris time."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.processes.models import Edition, EditionMode
from civic.processes.phases import PhaseKind
from tests.conftest import csrf_token
from tests.factories import create_district, create_edition, create_proposal
from tests.processes.helpers import edition_payload


def _edition(edition_id: int | None = None) -> Edition:
    db.session.expire_all()
    if edition_id is None:
        return db.session.scalars(select(Edition)).one()
    return db.session.get(Edition, edition_id)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, locale="en")


def test_admin_creates_an_edition_with_money_in_cents_and_a_slug_from_its_name(client, admin):
    centre, gare = create_district(name="Centre"), create_district(name="Gare")
    token = csrf_token(client, "/admin/editions/new")
    payload = edition_payload(
        token,
        name="Budget participatif 2026 – Été",
        envelope="100000,50",
        published="y",
        mode="city_list",
        **{
            f"district_{centre.id}": "y",
            f"district_{centre.id}_envelope": "40 000",
            f"district_{gare.id}": "y",
        },
    )
    response = client.post("/admin/editions/new", data=payload)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/editions"

    edition = _edition()
    assert edition.slug == "budget-participatif-2026-ete"
    assert edition.envelope_cents == 100_000_50
    assert edition.investment_budget_cents == 4_000_000_00
    assert edition.population == 22_000
    assert edition.mode is EditionMode.CITY_LIST and edition.published
    assert {(d.district_id, d.envelope_cents) for d in edition.districts} == {
        (centre.id, 40_000_00),
        (gare.id, None),
    }
    assert sorted(t.name for t in edition.themes) == ["Mobilités", "Nature en ville"]
    assert "Budget participatif 2026 – Été" in client.get("/admin/editions").get_data(as_text=True)


def test_a_second_edition_with_the_same_name_gets_its_own_slug(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    for _ in range(2):
        assert client.post("/admin/editions/new", data=edition_payload(token)).status_code == 303
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Edition.slug))) == [
        "budget-participatif-2026",
        "budget-participatif-2026-2",
    ]


def test_creating_an_edition_is_audited_without_personal_data(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    client.post("/admin/editions/new", data=edition_payload(token))
    edition = _edition()
    [entry] = _audit("edition.create")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "edition", str(edition.id))
    assert entry.before is None
    assert entry.after["name"] == "Budget participatif 2026" and entry.after["envelope_cents"] == 100_000_00
    assert admin.email not in str(entry.after) and admin.display_name not in str(entry.after)


def test_editing_an_edition_audits_only_the_fields_that_changed(client, admin):
    edition = create_edition(name="BP 2026", envelope_cents=50_000_00, published=False)
    token = csrf_token(client, f"/admin/editions/{edition.id}/edit")
    response = client.post(
        f"/admin/editions/{edition.id}/edit",
        data=edition_payload(token, name="BP 2026", envelope="60 000", themes="Nature en ville\nSport"),
    )
    assert response.status_code == 303
    assert _edition(edition.id).envelope_cents == 60_000_00
    [entry] = _audit("edition.update")
    assert entry.actor_id == admin.id and entry.target_id == str(edition.id)
    assert entry.before["envelope_cents"] == 50_000_00 and entry.after["envelope_cents"] == 60_000_00
    assert entry.before["themes"] == ["Mobilités", "Nature en ville"]
    assert entry.after["themes"] == ["Nature en ville", "Sport"]
    assert "name" not in entry.after and "slug" not in entry.after


def test_saving_an_unchanged_edition_writes_no_audit_entry(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    client.post("/admin/editions/new", data=edition_payload(token))
    edition = _edition()
    assert client.post(f"/admin/editions/{edition.id}/edit", data=edition_payload(token)).status_code == 303
    assert _audit("edition.update") == []


def test_district_envelopes_over_the_edition_envelope_are_refused_and_nothing_is_saved(client, admin):
    north, south = create_district(name="Nord"), create_district(name="Sud")
    token = csrf_token(client, "/admin/editions/new")
    districts = {
        f"district_{north.id}": "y",
        f"district_{north.id}_envelope": "60 000",
        f"district_{south.id}": "y",
        f"district_{south.id}_envelope": "50 000",
    }
    response = client.post("/admin/editions/new", data=edition_payload(token, **districts))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "The district envelopes add up to €110,000, more than the edition&#39;s envelope of €100,000." in page
    )
    assert f'id="district_{north.id}_envelope"' in page and 'aria-invalid="true"' in page
    assert _count(Edition) == 0 and _audit("edition.create") == []


def test_editing_district_envelopes_over_the_envelope_leaves_the_edition_unchanged(client, admin):
    north = create_district(name="Nord")
    edition = create_edition(envelope_cents=100_000_00, districts=[north])
    token = csrf_token(client, f"/admin/editions/{edition.id}/edit")
    payload = edition_payload(
        token,
        name=edition.name,
        **{f"district_{north.id}": "y", f"district_{north.id}_envelope": "100 000,01"},
    )
    assert client.post(f"/admin/editions/{edition.id}/edit", data=payload).status_code == 422
    assert [d.envelope_cents for d in _edition(edition.id).districts] == [None]
    assert _audit("edition.update") == []


def test_a_sub_envelope_needs_the_district_to_take_part(client, admin):
    north = create_district(name="Nord")
    token = csrf_token(client, "/admin/editions/new")
    response = client.post(
        "/admin/editions/new", data=edition_payload(token, **{f"district_{north.id}_envelope": "1 000"})
    )
    assert response.status_code == 422 and _count(Edition) == 0


@pytest.mark.parametrize(
    ("typed", "cents"), [("100 000", 100_000_00), ("100000,50", 100_000_50), ("1 234,5 €", 1_234_50)]
)
def test_amounts_are_typed_in_euros_the_french_way(client, admin, typed, cents):
    token = csrf_token(client, "/admin/editions/new")
    assert client.post("/admin/editions/new", data=edition_payload(token, envelope=typed)).status_code == 303
    assert _edition().envelope_cents == cents


@pytest.mark.parametrize("typed", ["abc", "-5", ""])
def test_an_unreadable_envelope_is_a_field_error(client, admin, typed):
    token = csrf_token(client, "/admin/editions/new")
    response = client.post("/admin/editions/new", data=edition_payload(token, envelope=typed))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="envelope-error"' in page and 'href="#envelope"' in page
    assert _count(Edition) == 0


def test_the_calendar_is_typed_in_paris_time_and_stored_in_utc(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    payload = edition_payload(
        token,
        submission_starts_at="2026-03-01T10:00",  # winter: UTC+1
        submission_ends_at="2026-04-01T12:00",  # summer time since 29 March: UTC+2
        vote_starts_at="2026-07-01T10:00",
        vote_ends_at="2026-07-15T18:30",
    )
    assert client.post("/admin/editions/new", data=payload).status_code == 303
    phases = {p.kind: (p.starts_at, p.ends_at) for p in _edition().phases}
    assert phases == {
        PhaseKind.SUBMISSION: (datetime(2026, 3, 1, 9, 0), datetime(2026, 4, 1, 10, 0)),
        PhaseKind.VOTE: (datetime(2026, 7, 1, 8, 0), datetime(2026, 7, 15, 16, 30)),
    }
    edit_page = client.get(f"/admin/editions/{_edition().id}/edit").get_data(as_text=True)
    assert 'value="2026-03-01T10:00"' in edit_page and 'value="2026-07-15T18:30"' in edit_page


def test_a_phase_ending_before_it_starts_is_refused(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    payload = edition_payload(token, vote_starts_at="2026-07-01T10:00", vote_ends_at="2026-06-30T10:00")
    response = client.post("/admin/editions/new", data=payload)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The phase must end after it starts." in page and 'id="vote_ends_at-error"' in page
    assert _count(Edition) == 0


def test_phases_out_of_order_are_refused(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    payload = edition_payload(
        token,
        submission_starts_at="2026-05-01T10:00",
        submission_ends_at="2026-06-01T10:00",
        preselection_starts_at="2026-04-01T10:00",
        preselection_ends_at="2026-04-15T10:00",
    )
    response = client.post("/admin/editions/new", data=payload)
    assert response.status_code == 422
    assert 'id="preselection_starts_at-error"' in response.get_data(as_text=True)
    assert _count(Edition) == 0


def test_a_phase_needs_both_its_start_and_its_end(client, admin):
    token = csrf_token(client, "/admin/editions/new")
    response = client.post(
        "/admin/editions/new", data=edition_payload(token, vote_starts_at="2026-07-01T10:00")
    )
    assert response.status_code == 422
    assert 'id="vote_ends_at-error"' in response.get_data(as_text=True)


def test_emptying_a_phase_removes_it_from_the_calendar(client, admin):
    edition = create_edition(published=False)
    token = csrf_token(client, f"/admin/editions/{edition.id}/edit")
    # A browser sends the emptied inputs as empty strings.
    emptied = {f"{kind.value}_{end}": "" for kind in PhaseKind for end in ("starts_at", "ends_at")}
    payload = edition_payload(
        token,
        **{**emptied, "submission_starts_at": "2026-03-01T10:00", "submission_ends_at": "2026-04-01T10:00"},
    )
    assert client.post(f"/admin/editions/{edition.id}/edit", data=payload).status_code == 303
    assert [p.kind for p in _edition(edition.id).phases] == [PhaseKind.SUBMISSION]
    [entry] = _audit("edition.update")
    assert set(entry.before["calendar"]) == {kind.value for kind in PhaseKind}
    assert entry.after["calendar"] == {"submission": ["2026-03-01T09:00:00", "2026-04-01T08:00:00"]}


def test_themes_are_added_and_removed_by_line(client, admin):
    edition = create_edition(published=False)
    token = csrf_token(client, f"/admin/editions/{edition.id}/edit")
    payload = edition_payload(token, themes="  Sport \n\nmobilités\nSport\nCulture")
    assert client.post(f"/admin/editions/{edition.id}/edit", data=payload).status_code == 303
    assert sorted(t.name for t in _edition(edition.id).themes) == ["Culture", "Sport", "mobilités"]


def test_a_theme_used_by_proposals_cannot_be_removed(client, admin):
    edition = create_edition(published=False)
    proposal = create_proposal(edition=edition)
    proposal.theme_id = next(t.id for t in edition.themes if t.name == "Mobilités")
    db.session.commit()
    token = csrf_token(client, f"/admin/editions/{edition.id}/edit")
    response = client.post(f"/admin/editions/{edition.id}/edit", data=edition_payload(token, themes="Sport"))
    assert response.status_code == 422
    assert "Proposals use the theme “Mobilités”: it cannot be removed." in response.get_data(as_text=True)
    assert sorted(t.name for t in _edition(edition.id).themes) == ["Mobilités", "Nature en ville"]


def test_renaming_keeps_the_address_of_a_published_edition(client, admin):
    draft = create_edition(name="Brouillon", published=False)
    live = create_edition(name="En ligne", published=True)
    token = csrf_token(client, "/admin/editions")
    for edition in (draft, live):
        published = "y" if edition.published else None
        payload = edition_payload(token, name=f"{edition.name} renommé", published=published)
        assert client.post(f"/admin/editions/{edition.id}/edit", data=payload).status_code == 303
    assert _edition(draft.id).slug == "brouillon-renomme"
    assert _edition(live.id).slug == live.slug


def test_unknown_edition_is_404(client, admin):
    assert client.get("/admin/editions/999999/edit").status_code == 404


def test_the_edition_list_and_form_are_linked_from_the_admin_navigation(client, admin):
    create_edition(name="BP 2025", year=2025)
    page = client.get("/admin/editions").get_data(as_text=True)
    assert 'href="/admin/editions" aria-current="page"' in page and "BP 2025" in page
    assert 'href="/admin/editions"' in client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_non_admins_get_403_on_every_edition_screen(client, login_as, role):
    login_as(role)
    edition = create_edition(published=False)
    token = csrf_token(client)
    for url in ("/admin/editions", "/admin/editions/new", f"/admin/editions/{edition.id}/edit"):
        assert client.get(url).status_code == 403, url
    for url in ("/admin/editions/new", f"/admin/editions/{edition.id}/edit"):
        assert client.post(url, data=edition_payload(token, name="Piraté")).status_code == 403, url
    assert _count(Edition) == 1 and _edition(edition.id).name != "Piraté"


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    edition = create_edition()
    for url in ("/admin/editions", "/admin/editions/new", f"/admin/editions/{edition.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
