"""The vote's context kept per process: reused cast after cast, read again as soon as the content changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from civic.core.time import utcnow
from civic.eligibility.models import Participation
from civic.extensions import db
from civic.voting.ballot_rules import BallotFormat
from civic.voting.filling import DRAFTS
from civic.voting.models import PooledBallot
from tests.conftest import log_in
from tests.factories import create_user
from tests.voting.test_casting import _count, _fill, _on_roll
from tests.voting.test_filling import _ballot

EN = {"Accept-Language": "en"}


def _voter(app, edition, identifier):
    client = app.test_client()
    user = create_user(locale="en")
    log_in(client, user)
    _on_roll(edition, user, identifier=identifier)
    return client


def _cast(client, edition, pool, project_id):
    token = _fill(client, edition, pool, project_id)
    return client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)


def _statements(app, action):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        answer = action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return answer, seen


def test_casts_reuse_the_kept_context_while_nothing_changes(app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    first, second = _voter(app, edition, "AB-1"), _voter(app, edition, "AB-2")
    assert _cast(first, edition, pool, ids["Bancs"]).status_code == 303
    token = _fill(second, edition, pool, ids["Jardin"])
    answer, seen = _statements(
        app, lambda: second.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token})
    )
    assert answer.status_code == 303
    # Up to its last write (the mixer runs after the commit, here in the test's process), the second cast
    # reads neither the edition, its calendar, the settings nor the boxes again.
    last_write = max(i for i, s in enumerate(seen) if s.startswith("INSERT INTO ballot_pool"))
    kept = ("FROM edition", "FROM phase", "ballot_settings", "vote_pool")
    read_again = [s for s in seen[:last_write] if any(t in s for t in kept)]
    assert read_again == [], read_again
    assert _count(Participation) == 2 and _count(PooledBallot) == 2


def test_closing_the_vote_is_seen_by_the_very_next_cast(app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    first, second = _voter(app, edition, "AB-1"), _voter(app, edition, "AB-2")
    assert _cast(first, edition, pool, ids["Bancs"]).status_code == 303
    token = _fill(second, edition, pool, ids["Jardin"])
    vote = next(p for p in edition.phases if p.kind.value == "vote")
    vote.ends_at = utcnow() - timedelta(minutes=1)  # staff move the close into the past
    db.session.commit()
    answer = second.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 403 and "The vote is closed" in answer.get_data(as_text=True)
    assert _count(Participation) == 1 and _count(PooledBallot) == 1


def test_an_edition_taken_offline_is_not_found_by_the_next_cast(app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    first, second = _voter(app, edition, "AB-1"), _voter(app, edition, "AB-2")
    assert _cast(first, edition, pool, ids["Bancs"]).status_code == 303
    token = _fill(second, edition, pool, ids["Jardin"])
    edition.published = False
    db.session.commit()
    answer = second.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 404
    assert _count(Participation) == 1 and _count(PooledBallot) == 1


def test_a_ballot_over_the_envelope_is_refused_from_the_kept_boxes(app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    first, second = _voter(app, edition, "AB-1"), _voter(app, edition, "AB-2")
    assert _cast(first, edition, pool, ids["Fontaine"]).status_code == 303
    token = _fill(second, edition, pool, ids["Bancs"])
    # A draft over the envelope (a forged session cookie) is checked again at the cast, from the kept boxes.
    with second.session_transaction() as session:
        session[DRAFTS] = {str(pool.id): {"projects": [ids["Jardin"], ids["Bancs"]]}}
    answer = second.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token}, headers=EN)
    assert answer.status_code == 422 and "breaks a rule of the vote" in answer.get_data(as_text=True)
    assert _count(Participation) == 1 and _count(PooledBallot) == 1
