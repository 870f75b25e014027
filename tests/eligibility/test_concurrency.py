"""Participation holds under a race: simultaneous émargements of one person in separate sessions."""

from __future__ import annotations

import threading

from flask_babel import force_locale
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.eligibility import keys, services
from civic.eligibility.models import Participation, ParticipationChannel
from civic.extensions import db
from civic.processes.models import Edition
from tests.eligibility.helpers import admin_user, front_desk_user, import_lines, roll_edition


def test_simultaneous_participations_of_one_person_record_exactly_one(app):
    edition, (north, _south) = roll_edition(open_phase="vote")
    import_lines(admin_user(), edition, [f"R1;1980-01-02;{north.slug}"])
    officers = [front_desk_user().id for _ in range(6)]
    key = keys.person_key("R1")
    edition_id = edition.id
    barrier = threading.Barrier(len(officers))
    outcomes: list[object] = [None] * len(officers)

    def run(index: int) -> None:
        with app.app_context():
            officer = db.session.get(User, officers[index])
            current = db.session.get(Edition, edition_id)
            channel = ParticipationChannel.PAPER if index % 2 else ParticipationChannel.TOWN_HALL
            barrier.wait(timeout=20)
            try:
                services.record_participation(
                    actor=officer, edition=current, person_key=key, channel=channel, place=f"Bureau {index}"
                )
                db.session.commit()
                outcomes[index] = "recorded"
            except services.AlreadyVoted as refusal:
                db.session.rollback()
                outcomes[index] = str(refusal.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(officers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("recorded") == 1
    refusals = [o for o in outcomes if o != "recorded"]
    assert len(refusals) == len(officers) - 1
    db.session.expire_all()
    winner = db.session.get(Participation, (edition_id, key))
    label = "at the town hall" if winner.channel is ParticipationChannel.TOWN_HALL else "on paper"
    assert all(
        label in str(refusal) or "mairie" in str(refusal) or "papier" in str(refusal) for refusal in refusals
    )
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1


def test_simultaneous_links_of_one_entry_by_several_accounts_link_exactly_one(app):
    from datetime import date

    from civic.core.errors import Conflict
    from civic.eligibility.models import RollLink
    from tests.factories import create_user

    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"L1;1980-01-02;{north.slug}"])
    people = [create_user().id for _ in range(5)]
    edition_id = edition.id
    barrier = threading.Barrier(len(people))
    outcomes: list[object] = [None] * len(people)

    def run(index: int) -> None:
        with app.app_context(), force_locale("en"):
            person = db.session.get(User, people[index])
            current = db.session.get(Edition, edition_id)
            barrier.wait(timeout=20)
            try:
                services.link_with_identifier(
                    actor=person, edition=current, identifier="L1", birth_date=date(1980, 1, 2)
                )
                db.session.commit()
                outcomes[index] = "linked"
            except Conflict as refusal:
                db.session.rollback()
                outcomes[index] = str(refusal.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("linked") == 1
    assert all("another account" in str(o) for o in outcomes if o != "linked")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RollLink)) == 1
