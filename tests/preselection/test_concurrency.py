"""The cap holds under concurrency: many simultaneous supports by one person, through real HTTP clients."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from civic.extensions import db
from civic.preselection.models import Support
from tests.conftest import csrf_token, log_in
from tests.preselection.helpers import preselection_edition, proposals, resident


def test_simultaneous_supports_by_one_person_accept_exactly_the_cap(app):
    cap, attempts = 3, 10
    edition, (north, _south) = preselection_edition(per_person_cap=cap)
    person = resident(north)
    items = proposals(edition, attempts, north)
    clients = []
    for proposal in items:
        client = app.test_client()
        log_in(client, person)
        clients.append((client, f"/proposals/{proposal.id}/support", csrf_token(client)))
    barrier = threading.Barrier(len(clients))
    statuses = [0] * len(clients)

    def run(index: int) -> None:
        client, url, token = clients[index]
        barrier.wait()
        statuses[index] = client.post(url, data={"csrf_token": token}).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303] * cap + [409] * (attempts - cap)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Support.supporter_key == f"u:{person.id}")) == cap


def test_simultaneous_supports_of_one_proposal_by_one_person_count_once(app):
    edition, (north, _south) = preselection_edition(per_person_cap=5)
    person = resident(north)
    (proposal,) = proposals(edition, 1, north)
    url = f"/proposals/{proposal.id}/support"
    clients = []
    for _ in range(6):
        client = app.test_client()
        log_in(client, person)
        clients.append((client, csrf_token(client)))
    barrier = threading.Barrier(len(clients))
    statuses = [0] * len(clients)

    def run(index: int) -> None:
        client, token = clients[index]
        barrier.wait()
        statuses[index] = client.post(url, data={"csrf_token": token}).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303] + [409] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Support.proposal_id == proposal.id)) == 1
