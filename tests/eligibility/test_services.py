"""Front-desk checks, account links (every refusal, nothing written) and participation (émargement)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.eligibility import keys, services
from civic.eligibility.models import Participation, ParticipationChannel, RollLink, RollSource, VoterRollEntry
from civic.extensions import db
from tests.eligibility.helpers import admin_user, front_desk_user, import_lines, roll_edition
from tests.factories import create_user

BIRTH = date(1980, 1, 2)


def _census(edition, district, *lines):
    import_lines(admin_user(), edition, [f"{line};{district.slug}" for line in lines])


def _links():
    return db.session.scalar(select(func.count()).select_from(RollLink))


def test_front_desk_adds_a_person_and_merges_with_their_census_entry(app):
    edition, (north, south) = roll_edition()
    _census(edition, north, "A1;1980")
    desk = front_desk_user()
    entry, merged = services.add_in_person(
        actor=desk, edition=edition, identifier="a-1", birth_date=BIRTH, district_id=south.id
    )
    db.session.commit()
    assert merged and entry.source is RollSource.CENSUS and entry.district_id == south.id
    _new, merged_new = services.add_in_person(
        actor=desk, edition=edition, identifier="P-77", birth_date=BIRTH, district_id=north.id
    )
    db.session.commit()
    assert not merged_new
    assert db.session.get(VoterRollEntry, (edition.id, keys.person_key("P77"))).source is RollSource.IN_PERSON
    assert db.session.scalar(select(func.count()).where(VoterRollEntry.edition_id == edition.id)) == 2


def test_front_desk_refuses_a_person_under_the_minimum_age(app):
    edition, (north, _south) = roll_edition()
    day = services.vote_day(edition)
    with pytest.raises(ValidationFailed) as refused:
        services.add_in_person(
            actor=front_desk_user(),
            edition=edition,
            identifier="K1",
            birth_date=day.replace(year=day.year - 10),
            district_id=north.id,
        )
    assert "minimum age" in str(refused.value.message)


def test_residents_cannot_add_people_to_the_roll(app):
    edition, (north, _south) = roll_edition()
    with pytest.raises(PermissionDenied):
        services.add_in_person(
            actor=create_user(), edition=edition, identifier="K1", birth_date=BIRTH, district_id=north.id
        )


def test_a_resident_links_their_account_once_with_identifier_and_birth_date(app):
    edition, (north, _south) = roll_edition()
    _census(edition, north, "A1;1980-01-02")
    person = create_user()
    services.link_with_identifier(actor=person, edition=edition, identifier=" a1 ", birth_date=BIRTH)
    db.session.commit()
    assert _links() == 1
    with pytest.raises(Conflict) as again:
        services.link_with_identifier(actor=person, edition=edition, identifier="A1", birth_date=BIRTH)
    assert "already linked your account" in str(again.value.message)


@pytest.mark.parametrize(
    ("identifier", "birth", "words"),
    [
        ("B2", BIRTH, "not on the voter roll"),
        ("A1", date(1980, 1, 3), "birth date does not match"),
    ],
)
def test_linking_refusals_say_why_and_write_nothing(app, identifier, birth, words):
    edition, (north, _south) = roll_edition()
    _census(edition, north, "A1;1980-01-02")
    with pytest.raises(ValidationFailed) as refused:
        services.link_with_identifier(
            actor=create_user(), edition=edition, identifier=identifier, birth_date=birth
        )
    assert words in str(refused.value.message)
    db.session.rollback()
    assert _links() == 0


def test_an_entry_linked_to_another_account_is_refused(app):
    edition, (north, _south) = roll_edition()
    _census(edition, north, "A1;1980-01-02")
    services.link_with_identifier(actor=create_user(), edition=edition, identifier="A1", birth_date=BIRTH)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.link_with_identifier(actor=create_user(), edition=edition, identifier="A1", birth_date=BIRTH)
    assert "already linked to another account" in str(refused.value.message)
    db.session.rollback()
    assert _links() == 1


def test_a_census_year_only_entry_links_with_any_date_of_that_year(app):
    edition, (north, _south) = roll_edition()
    _census(edition, north, "A1;1980")
    services.link_with_identifier(
        actor=create_user(), edition=edition, identifier="A1", birth_date=date(1980, 9, 9)
    )
    db.session.commit()
    assert _links() == 1


def _linked_voter(edition, district, identifier="V1"):
    _census(edition, district, f"{identifier};1980-01-02")
    voter = create_user()
    services.link_with_identifier(actor=voter, edition=edition, identifier=identifier, birth_date=BIRTH)
    db.session.commit()
    return voter, keys.person_key(identifier)


def test_a_second_participation_is_refused_whatever_the_channel_naming_the_first(app):
    edition, (north, _south) = roll_edition(open_phase="vote")
    voter, key = _linked_voter(edition, north)
    services.record_participation(
        actor=voter, edition=edition, person_key=key, channel=ParticipationChannel.ONLINE
    )
    db.session.commit()
    with pytest.raises(services.AlreadyVoted) as refused:
        services.record_participation(
            actor=front_desk_user(),
            edition=edition,
            person_key=key,
            channel=ParticipationChannel.TOWN_HALL,
            place="Mairie annexe",
        )
    assert refused.value.status_code == 409
    assert refused.value.channel is ParticipationChannel.ONLINE
    message = str(refused.value.message)
    assert "online" in message and str(services.today().year) in message
    db.session.rollback()
    row = db.session.get(Participation, (edition.id, key))
    assert row.channel is ParticipationChannel.ONLINE and row.officer_id is None and row.place is None


def test_the_database_refuses_a_second_participation_row(app):
    from sqlalchemy.exc import IntegrityError

    edition, (north, _south) = roll_edition(open_phase="vote")
    _voter, key = _linked_voter(edition, north)
    table = Participation.__table__
    values = {"edition_id": edition.id, "person_key": key, "day": date.today()}
    db.session.execute(table.insert().values(channel="paper", **values))
    with pytest.raises(IntegrityError):
        db.session.execute(table.insert().values(channel="online", **values))
    db.session.rollback()


def test_online_participation_needs_the_voters_own_link(app):
    edition, (north, _south) = roll_edition(open_phase="vote")
    _voter, key = _linked_voter(edition, north)
    with pytest.raises(PermissionDenied):
        services.record_participation(
            actor=create_user(), edition=edition, person_key=key, channel=ParticipationChannel.ONLINE
        )
    with pytest.raises(PermissionDenied):
        services.record_participation(
            actor=create_user(),
            edition=edition,
            person_key=key,
            channel=ParticipationChannel.PAPER,
            place="Mairie",
        )


def test_the_minimum_age_is_frozen_once_someone_voted(app):
    edition, (north, _south) = roll_edition(open_phase="vote")
    voter, key = _linked_voter(edition, north)
    services.record_participation(
        actor=voter, edition=edition, person_key=key, channel=ParticipationChannel.ONLINE
    )
    db.session.commit()
    with pytest.raises(Conflict):
        services.set_minimum_age(actor=admin_user(), edition=edition, minimum_voting_age=18)
