"""GDPR: front-desk contacts of residents without account are purged a set number of months after their
edition's last phase ends, by a command (audited), with a staff screen showing what goes when."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.cli import civic_cli
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals.front_desk import add_months, purge_schedule
from civic.proposals.models import InPersonContact, Proposal
from tests.conftest import csrf_token
from tests.factories import create_edition, create_proposal
from tests.processes.helpers import edition_payload

CONTACT_NAME = "Germaine Privée-Lemoine"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9), 1, datetime(2026, 2, 28, 9)),
        (datetime(2028, 1, 31), 1, datetime(2028, 2, 29)),
        (datetime(2026, 10, 15), 6, datetime(2027, 4, 15)),
        (datetime(2026, 10, 15), 0, datetime(2026, 10, 15)),
        (datetime(2026, 12, 1), 12, datetime(2027, 12, 1)),
    ],
)
def test_add_months_keeps_calendar_days(start, months, expected):
    assert add_months(start, months) == expected


def _with_contact(edition, name: str = CONTACT_NAME) -> Proposal:
    proposal = create_proposal(edition=edition, channel="in_person")
    proposal.private_contact = InPersonContact(name=name, contact="06 12 34 56 78")
    db.session.commit()
    return proposal


def _finished_edition(retention: int):
    # Every phase in the past: the last one ended about a month ago.
    edition = create_edition(open_phase=None, name=f"Édition finie ({retention} mois)")
    edition.contact_retention_months = retention
    db.session.commit()
    return edition


def test_schedule_puts_the_purge_months_after_the_last_phase(app):
    edition = _finished_edition(6)
    _with_contact(edition)
    _with_contact(edition, "Autre personne")
    [entry] = purge_schedule()
    last_end = max(p.ends_at for p in edition.phases)
    assert entry.contacts == 2 and entry.calendar_ends_at == last_end
    assert entry.purge_at == add_months(last_end, 6)


def test_staff_screen_lists_what_will_be_purged_when(client, login_as):
    due = _finished_edition(0)
    later = create_edition(name="Édition en cours")
    _with_contact(due)
    _with_contact(later)
    login_as(Role.FRONT_DESK, locale="en")
    page = client.get("/front-desk/contacts").get_data(as_text=True)
    assert "Édition finie (0 mois)" in page and "Édition en cours" in page
    assert "due now" in page and "6 months" in page
    assert CONTACT_NAME not in page
    assert 'href="/front-desk/contacts"' in client.get("/front-desk").get_data(as_text=True)


def test_residents_do_not_see_the_purge_screen(client, login_as):
    login_as(Role.RESIDENT)
    assert client.get("/front-desk/contacts").status_code == 403


def test_purge_command_deletes_due_contacts_keeps_a_trace_and_spares_the_others(app, client, login_as):
    due = _finished_edition(0)
    kept_edition = _finished_edition(24)
    purged = _with_contact(due)
    kept = _with_contact(kept_edition, "Personne gardée")
    runner = app.test_cli_runner()

    dry = runner.invoke(civic_cli, ["purge-contacts", "--dry-run"])
    assert dry.exit_code == 0 and f"Would purge 1 contact(s) of edition {due.slug!r}" in dry.output
    db.session.expire_all()
    assert (
        db.session.scalar(select(InPersonContact).where(InPersonContact.proposal_id == purged.id)) is not None
    )

    real = runner.invoke(civic_cli, ["purge-contacts"])
    assert real.exit_code == 0 and f"Purged 1 contact(s) of edition {due.slug!r}" in real.output
    db.session.expire_all()
    assert db.session.scalar(select(InPersonContact).where(InPersonContact.proposal_id == purged.id)) is None
    assert db.session.get(Proposal, purged.id).contact_purged_at is not None
    assert db.session.get(Proposal, kept.id).private_contact.name == "Personne gardée"
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "edition.purge_contacts")
    ).all()
    assert (entry.actor_id, entry.target_id, entry.after["deleted"]) == (None, str(due.id), 1)

    again = runner.invoke(civic_cli, ["purge-contacts"])
    assert "Nothing to purge." in again.output

    login_as(Role.FRONT_DESK, locale="en")
    for path in (f"/proposals/{purged.id}", f"/front-desk/proposals/{purged.id}/receipt"):
        page = client.get(path).get_data(as_text=True)
        assert "Contact purged on" in page and CONTACT_NAME not in page


def test_admins_set_the_retention_of_an_edition_in_its_form(client, login_as):
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, "/admin/editions/new")
    page = client.get("/admin/editions/new").get_data(as_text=True)
    assert 'name="contact_retention_months"' in page and 'value="6"' in page
    refused = client.post("/admin/editions/new", data=edition_payload(token, contact_retention_months="500"))
    assert refused.status_code == 422 and 'value="500"' in refused.get_data(as_text=True)
    saved = client.post("/admin/editions/new", data=edition_payload(token, contact_retention_months="12"))
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Edition.contact_retention_months)) == 12
