"""A lost kiosk ticket: the officer gives a new one, the old one stops working, a used one cannot be replaced."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.core.audit import AuditEntry
from civic.core.time import utcnow
from civic.eligibility.models import Participation
from civic.extensions import db
from civic.voting import tasks
from civic.voting.ballot_rules import BallotFormat
from civic.voting.models import KioskTicket, KioskTicketHolder, PooledBallot
from tests.conftest import csrf_token, log_in
from tests.factories import create_user
from tests.voting.test_filling import _ballot
from tests.voting.test_townhall import (
    BIRTH,
    EN,
    _add,
    _count,
    _enable_kiosk,
    _kiosk_vote,
    _officer,
    _record,
    _ticket,
)


def _replace(client, edition, identifier="CNI-1001", birth=BIRTH):
    url = f"/front-desk/editions/{edition.slug}/in-person"
    token = csrf_token(client, url)
    data = {"lost-csrf_token": token, "lost-identifier": identifier, "lost-birth_date": birth.isoformat()}
    return client.post(f"{url}/new-ticket", data=data, headers=EN)


def test_a_new_ticket_works_and_the_lost_one_no_longer_does(client, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    lost = _ticket(_record(client, edition))
    answer = _replace(client, edition)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "the lost one no longer works" in page, page[:2000]
    new = _ticket(answer)
    assert new != lost
    (ticket,) = db.session.scalars(select(KioskTicket)).all()
    (holder,) = db.session.scalars(select(KioskTicketHolder)).all()
    assert holder.code_hash == ticket.code_hash
    # One participation still; the replacement is audited without naming the person.
    assert _count(Participation) == 1
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "voting.kiosk_ticket_replaced")
    )
    assert entry.target_type == "edition" and holder.person_key not in str(entry.after)

    kiosk = _enable_kiosk(app, edition)
    refused = _kiosk_vote(kiosk, edition, pool, lost, ids["Bancs"])
    assert refused.status_code == 422 and "unknown or has already been used" in refused.get_data(as_text=True)
    cast = _kiosk_vote(kiosk, edition, pool, new, ids["Bancs"])
    assert cast.status_code == 303, cast.get_data(as_text=True)[:2000]
    # Using the ticket deleted who held it, in the same transaction as the ballot.
    assert _count(PooledBallot) == 1 and _count(KioskTicket) == 0 and _count(KioskTicketHolder) == 0

    used = _replace(client, edition)
    assert used.status_code == 409 and "ticket has been used" in used.get_data(as_text=True)
    assert _count(KioskTicket) == 0


def test_no_ticket_is_given_to_someone_who_voted_on_paper_online_or_not_at_all(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition, identifier="CNI-1001")
    _add(edition, identifier="CNI-2002")
    _officer(client)
    nobody = _replace(client, edition, identifier="CNI-1001")
    assert nobody.status_code == 422 and "has not taken part yet" in nobody.get_data(as_text=True)
    _record(client, edition, identifier="CNI-2002", medium="paper")
    paper = _replace(client, edition, identifier="CNI-2002")
    assert paper.status_code == 409 and "paper" in paper.get_data(as_text=True)
    unknown = _replace(client, edition, identifier="XX-9")
    assert unknown.status_code == 422 and "not on the voter roll" in unknown.get_data(as_text=True)
    wrong_birth = _replace(client, edition, identifier="CNI-2002", birth=BIRTH + timedelta(days=1))
    assert wrong_birth.status_code == 422 and "birth date does not match" in wrong_birth.get_data(
        as_text=True
    )
    empty = _replace(client, edition, identifier="")
    assert empty.status_code == 422 and "Give the number of the document" in empty.get_data(as_text=True)
    assert _count(KioskTicket) == 0 and _count(KioskTicketHolder) == 0


def test_residents_cannot_replace_tickets_and_the_end_of_the_vote_drops_holders(client, app):
    edition, *_ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    _add(edition)
    _officer(client)
    _ticket(_record(client, edition))
    resident = app.test_client()
    log_in(resident, create_user())
    token = csrf_token(resident, f"/editions/{edition.slug}")
    forged = resident.post(
        f"/front-desk/editions/{edition.slug}/in-person/new-ticket",
        data={"lost-csrf_token": token, "lost-identifier": "CNI-1001", "lost-birth_date": BIRTH.isoformat()},
    )
    assert forged.status_code == 403 and _count(KioskTicket) == 1
    vote = next(p for p in edition.phases if p.kind.value == "vote")
    vote.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    closed = _replace(client, edition)
    assert closed.status_code == 403 and "The vote is closed" in closed.get_data(as_text=True)
    assert tasks.drop_ended_tickets() == 1
    assert _count(KioskTicket) == 0 and _count(KioskTicketHolder) == 0
