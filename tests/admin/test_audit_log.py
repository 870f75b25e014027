"""The audit log reads as sentences in the reader's language, in Paris time, filtered, exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.admin.audit import safe_cell
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.factories import create_district, create_edition, create_user


def _entry(
    *, at: datetime, action: str = "edition.update", actor=None, target_type="edition", target_id="1", **kw
):
    entry = AuditEntry(
        at=at,
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        **kw,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, locale="en", display_name="Alix Admin")


def _rows(page: str) -> int:
    return page.count("<tr>") - 1


def test_actions_have_labels_in_the_reader_language_and_unknown_codes_show_raw(client, login_as):
    login_as(Role.ADMIN, locale="fr")
    _entry(at=datetime(2026, 3, 1, 9), action="role.grant", target_type="user")
    _entry(at=datetime(2026, 3, 1, 10), action="future.thing", target_type="gizmo", target_id="7")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Rôle accordé" in page and "<code>role.grant</code>" in page
    assert "future.thing" in page and "gizmo 7" in page


def test_english_labels_for_english_readers(client, admin):
    _entry(at=datetime(2026, 3, 1, 9), action="district.delete", target_type="district")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "District deleted" in page


def test_times_are_shown_in_paris_time(client, admin):
    _entry(at=datetime(2026, 7, 1, 12, 0))  # UTC; Paris is UTC+2 in summer
    _entry(at=datetime(2026, 1, 15, 12, 0))  # UTC+1 in winter
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "2:00\u202fPM" in page or "2:00 PM" in page
    assert "1:00\u202fPM" in page or "1:00 PM" in page


def test_filter_by_actor_name_or_email(client, admin):
    camille = create_user(display_name="Camille Dupont", email="camille@mairie.example")
    dominique = create_user(display_name="Dominique Martin")
    _entry(at=datetime(2026, 3, 1, 9), actor=camille, action="edition.create")
    _entry(at=datetime(2026, 3, 1, 10), actor=dominique, action="edition.update")
    by_name = client.get("/admin/audit?actor=dupont").get_data(as_text=True)
    assert "Camille Dupont" in by_name and "Dominique Martin" not in by_name
    by_email = client.get("/admin/audit?actor=MAIRIE.example").get_data(as_text=True)
    assert "Camille Dupont" in by_email and "Dominique Martin" not in by_email
    # A wildcard typed in the box is a plain character, not "everything".
    assert "No entry matches these filters." in client.get("/admin/audit?actor=%25").get_data(as_text=True)


def test_filter_by_action(client, admin):
    _entry(at=datetime(2026, 3, 1, 9), action="role.grant", target_type="user")
    _entry(at=datetime(2026, 3, 1, 10), action="edition.create")
    page = client.get("/admin/audit?action=role.grant").get_data(as_text=True)
    assert "Role granted" in page and "Edition created" not in page.split("<tbody>")[1]
    assert '<option selected value="role.grant">' in page or 'value="role.grant" selected' in page


def test_filter_by_target_type_and_id(client, admin):
    _entry(at=datetime(2026, 3, 1, 9), target_type="edition", target_id="1")
    _entry(at=datetime(2026, 3, 1, 10), target_type="edition", target_id="2")
    _entry(at=datetime(2026, 3, 1, 11), target_type="district", target_id="1", action="district.update")
    assert _rows(client.get("/admin/audit?target_type=edition").get_data(as_text=True)) == 2
    page = client.get("/admin/audit?target_type=edition&target_id=2").get_data(as_text=True)
    assert _rows(page) == 1 and "Edition 2" in page


def test_filter_by_date_range_in_paris_days(client, admin):
    # 22:30 UTC on 31 March is already 1 April in Paris (UTC+2).
    _entry(at=datetime(2026, 3, 31, 22, 30), target_id="10")
    _entry(at=datetime(2026, 3, 31, 21, 30), target_id="11")  # 23:30 on 31 March in Paris
    _entry(at=datetime(2026, 4, 2, 12, 0), target_id="12")
    page = client.get("/admin/audit?date_from=2026-04-01&date_to=2026-04-01").get_data(as_text=True)
    assert _rows(page) == 1 and "Edition 10" in page
    page = client.get("/admin/audit?date_to=2026-03-31").get_data(as_text=True)
    assert _rows(page) == 1 and "Edition 11" in page
    assert _rows(client.get("/admin/audit?date_from=2026-04-01").get_data(as_text=True)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-13-45", "Not a valid date value."),
        ("date_from=1066-10-14", "Choose a date between 2000 and 2100."),
        ("date_from=2026-05-02&date_to=2026-05-01", "The end date must not be before the start date."),
        ("action=" + "x" * 30, "Not a valid choice."),
    ],
    ids=["not-a-date", "out-of-range", "reversed", "unknown-action"],
)
def test_bad_filters_give_422_with_the_form_kept(client, admin, query, message):
    response = client.get(f"/admin/audit?actor=kept&{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and message in page and 'value="kept"' in page


def test_pages_are_bounded_and_keep_the_filters(client, admin):
    for n in range(55):
        _entry(at=datetime(2026, 3, 1, 9, n), target_id=str(n))
    first = client.get("/admin/audit?target_type=edition").get_data(as_text=True)
    assert _rows(first) == 50 and "Page 1 of 2" in first
    assert 'href="/admin/audit?page=2&amp;target_type=edition"' in first
    assert _rows(client.get("/admin/audit?page=2&target_type=edition").get_data(as_text=True)) == 5
    for page in ("0", "-1", "abc", "99999999999999999999999", "²"):
        assert client.get(f"/admin/audit?page={page}").status_code == 404


def test_targets_link_to_their_pages(client, admin):
    edition = create_edition()
    district = create_district()
    person = create_user()
    _entry(at=datetime(2026, 3, 1, 9), target_type="edition", target_id=str(edition.id))
    _entry(
        at=datetime(2026, 3, 1, 10),
        target_type="district",
        target_id=str(district.id),
        action="district.create",
    )
    _entry(at=datetime(2026, 3, 1, 11), target_type="user", target_id=str(person.id), action="role.grant")
    _entry(
        at=datetime(2026, 3, 1, 12),
        target_type="town_page",
        target_id="charter.fr",
        action="town_page.update",
    )
    _entry(at=datetime(2026, 3, 1, 13), target_type="vote_pool", target_id="3", action="tally.run")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f'href="/admin/editions/{edition.id}/edit"' in page
    assert f'href="/admin/districts/{district.id}/edit"' in page
    assert f'href="/admin/users/{person.id}"' in page
    assert 'href="/charte"' in page.split("<tbody>")[1]
    assert "Ballot box 3</td>" in page


def test_actors_are_named_and_linked_system_entries_say_so(client, admin):
    _entry(at=datetime(2026, 3, 1, 9), actor=admin)
    _entry(at=datetime(2026, 3, 1, 10))
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f'<a href="/admin/users/{admin.id}">Alix Admin</a>' in page and ">system</td>" in page


def _csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_holds_the_filtered_entries_in_paris_time_with_a_bom(client, admin):
    _entry(at=datetime(2026, 7, 1, 12, 0), action="role.grant", target_type="user", target_id="5",
           before={"roles": []}, after={"roles": ["moderator"]})  # fmt: skip
    _entry(at=datetime(2026, 7, 1, 13, 0), action="edition.create")
    response = client.get("/admin/audit.csv?action=role.grant")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:6] == [
        "Entry number",
        "When (Paris time)",
        "Who (account number)",
        "Who",
        "Action code",
        "Action",
    ]
    assert len(rows) == 1
    assert rows[0][1:] == [
        "2026-07-01 14:00:00", "", "system", "role.grant", "Role granted", "user", "5",
        '{"roles": []}', '{"roles": ["moderator"]}',
    ]  # fmt: skip


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, admin):
    evil = create_user(display_name='=HYPERLINK("http://evil.example","x")')
    _entry(
        at=datetime(2026, 7, 1, 12, 0), actor=evil, action="@SUM(1+1)", target_type="+cmd", target_id="-2+3"
    )
    [_header, row] = _csv(client.get("/admin/audit.csv"))[:2]
    assert row[3] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[4] == "'@SUM(1+1)" and row[6] == "'+cmd" and row[7] == "'-2+3"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_safe_cell_prefixes_every_formula_start(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Plain text") == "Plain text" and safe_cell(42) == 42


def test_exporting_is_itself_audited(client, admin):
    _entry(at=datetime(2026, 7, 1, 12, 0))
    client.get("/admin/audit.csv?target_type=edition")
    db.session.expire_all()
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).all()
    assert entry.actor_id == admin.id and entry.after == {"filters": {"target_type": "edition"}, "rows": 1}


def test_only_admins_read_or_export_the_log(client, login_as):
    login_as(Role.MODERATOR)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_export_is_bounded(client, admin, monkeypatch):
    monkeypatch.setattr("civic.admin.audit.EXPORT_MAX_ROWS", 3)
    for n in range(5):
        _entry(at=datetime(2026, 3, 1, 9, n), target_id=str(n))
    _header, *rows = _csv(client.get("/admin/audit.csv?target_type=edition"))
    assert [row[7] for row in rows] == ["4", "3", "2"]


def test_every_action_code_the_code_records_has_a_label():
    import re
    from pathlib import Path

    from civic.admin.audit import ACTION_LABELS

    root = Path(__file__).resolve().parents[2] / "civic"
    codes = {
        code
        for path in root.rglob("*.py")
        for code in re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert codes, "the scan finds the audited actions"
    assert not codes - set(ACTION_LABELS), (
        f"add a label to civic/admin/audit.py for {sorted(codes - set(ACTION_LABELS))}"
    )
