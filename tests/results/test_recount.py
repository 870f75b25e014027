"""Anyone can recount: ballots cast through Civic, mixed and sealed, then ``ballots.pb`` counted by live pabutools
gives the ``results.json`` the town published; every voter finds their tracker in the file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pabutools.election import parse_pabulib

from civic.accounts.roles import Role
from civic.core.time import utcnow
from civic.eligibility import services as roll_services
from civic.extensions import db
from civic.results.models import TallyRun
from civic.results.services import execute_run, publish_run, start_run
from civic.voting import casting, filling
from civic.voting.ballot_rules import BallotFormat
from civic.voting.tasks import mix_waiting_ballots
from tests.factories import create_user
from tests.tally import pabutools_ref
from tests.voting.test_filling import _ballot

# (projects ticked) per voter: Jardin 300 €, Bancs 200 €, Fontaine 100 €; envelope 400 €.
CHOICES = [
    ("Jardin",),
    ("Jardin", "Fontaine"),
    ("Bancs", "Fontaine"),
    ("Bancs",),
    ("Fontaine",),
    ("Bancs", "Fontaine"),
]


def _cast_for_voters(edition, pool, settings):
    desk = create_user(roles=(Role.FRONT_DESK,))
    by_title = {p.proposal.title: p for p in pool.projects}
    trackers = []
    for n, titles in enumerate(CHOICES):
        voter = create_user()
        identifier = f"RECOUNT-{n}"
        roll_services.add_in_person(
            actor=desk, edition=edition, identifier=identifier, birth_date=date(1980, 1, 1), district_id=None
        )
        roll_services.link_with_identifier(
            actor=voter, edition=edition, identifier=identifier, birth_date=date(1980, 1, 1)
        )
        reading = filling.Reading(tuple(by_title[t] for t in titles), None)
        (cast,) = casting.cast_ballots(
            actor=voter, edition=edition, settings=settings, ballots=[(pool, reading)]
        )
        trackers.append(cast.tracker)
    db.session.commit()
    return trackers


def _close_the_vote(edition):
    now = utcnow()
    phases = {p.kind.value: p for p in edition.phases}
    phases["vote"].ends_at = now - timedelta(minutes=2)
    phases["results"].starts_at = now - timedelta(minutes=1)
    db.session.commit()


@pytest.mark.parametrize("rule", ["greedy", "mes-greedy"])
def test_recounting_the_published_ballots_with_pabutools_gives_the_published_result(
    client, app, rule, tmp_path
):
    from civic.voting import ballot as ballot_services

    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL, counting_rule=rule)
    settings = ballot_services.settings_of(edition).rules()
    trackers = _cast_for_voters(edition, pool, settings)
    assert client.get(f"/editions/{edition.slug}/ballots.pb").status_code == 409  # not before the close
    _close_the_vote(edition)
    assert client.get(f"/editions/{edition.slug}/ballots.pb").status_code == 409  # nor before the last batch
    assert mix_waiting_ballots() == 1  # the close seals what waits (6 ballots, fewer than 20)

    run = start_run(actor=create_user(roles=(Role.ANALYST,)), pool=pool, rule=rule)
    db.session.commit()
    execute_run(run.id)
    publish_run(actor=create_user(roles=(Role.ADMIN,)), run=db.session.get(TallyRun, run.id))
    db.session.commit()

    answer = client.get(f"/editions/{edition.slug}/ballots.pb")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    path = tmp_path / "ballots.pb"
    path.write_text(answer.get_data(as_text=True))
    instance, profile = parse_pabulib(str(path))
    assert sorted(b.meta.get("voter_id") for b in profile) == sorted(trackers)  # voter ids are the trackers
    recounted = pabutools_ref.run(rule, "approval", instance, profile)

    published = client.get(f"/editions/{edition.slug}/results.json").get_json()
    (box,) = published["pools"]
    assert box["rule"] == rule and box["district"] is None
    assert sorted(box["selected"]) == sorted(recounted) and box["selected"]
