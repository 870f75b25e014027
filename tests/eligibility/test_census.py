"""The census list: a preview with errors per line that writes nothing, merging re-imports, the minimum age."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.core.audit import AuditEntry
from civic.eligibility import census, keys, services
from civic.eligibility.models import RollSource, VoterRollEntry
from civic.extensions import db
from tests.eligibility.helpers import admin_user, csv_file, import_lines, roll_edition


def _entries(edition):
    return db.session.scalar(select(func.count()).where(VoterRollEntry.edition_id == edition.id))


def _entry(edition, identifier):
    return db.session.get(VoterRollEntry, (edition.id, keys.person_key(identifier)))


def test_preview_lists_each_refused_line_and_writes_nothing(app):
    edition, (north, south) = roll_edition()
    admin = admin_user()
    vote_day = services.vote_day(edition)
    too_young = vote_day.replace(year=vote_day.year - 15).isoformat()
    data = csv_file(
        [
            f"A1;1980-01-02;{north.slug}",
            f"A2;1981;{south.name}",
            "A3;1980-01-02;nowhere",
            f"A4;02/01/1980;{north.slug}",
            f"A5;{too_young};{north.slug}",
            f"a-1;1980-01-02;{north.slug}",
            f";1980-01-02;{north.slug}",
            f"A8;1980-02-30;{north.slug}",
        ]
    )
    result = census.preview_census(actor=admin, edition=edition, data=data)
    assert (result.new, result.updated, result.unchanged) == (2, 0, 0)
    problems = {error.line: error.problem for error in result.errors}
    assert sorted(problems) == [4, 5, 6, 7, 8, 9]
    assert "Unknown district" in problems[4]
    assert "not a date" in problems[5] and "not a date" in problems[9]
    assert "minimum age" in problems[6]
    assert "line 2" in problems[7]
    assert "empty" in problems[8]
    db.session.commit()
    assert _entries(edition) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_reimport_merges_by_identifier_and_updates_the_district(app):
    edition, (north, south) = roll_edition()
    admin = admin_user()
    first = import_lines(admin, edition, [f"A1;1980-01-02;{north.slug}", f"A2;1981;{north.slug}"])
    assert (first.new, first.updated) == (2, 0)
    again = import_lines(
        admin, edition, [f"a 1;1980-01-02;{south.slug}", f"A2;1981;{north.slug}", f"A3;1982;{south.slug}"]
    )
    assert (again.new, again.updated, again.unchanged) == (1, 1, 1)
    assert _entries(edition) == 3
    assert _entry(edition, "A1").district_id == south.id
    assert _entry(edition, "A1").source is RollSource.CENSUS
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "eligibility.census_imported").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.after == {"new": 1, "updated": 1, "unchanged": 1, "refused_lines": 0}
    assert "A1" not in str(entry.after) and "A3" not in str(entry.after)


def test_no_identifier_name_or_birth_date_is_stored(app):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"ZX-99887766;1980-01-02;{north.slug}"])
    row = db.session.execute(select(VoterRollEntry.__table__)).one()
    assert "99887766" not in " ".join(str(v) for v in row) and "1980" not in " ".join(str(v) for v in row)


def test_french_headers_comma_separator_and_bom_are_read(app):
    edition, (north, _south) = roll_edition()
    admin = admin_user()
    result = census.preview_census(
        actor=admin,
        edition=edition,
        data=csv_file(
            [f"A1;1980-01-02;{north.name}"], header="identifiant;date_naissance;quartier", bom=True
        ),
    )
    assert result.new == 1 and not result.errors
    comma = census.preview_census(
        actor=admin,
        edition=edition,
        data=csv_file([f"A1,1980,{north.slug}"], header="identifier,birth_date,district"),
    )
    assert comma.new == 1 and not comma.errors


def test_minimum_age_with_a_birth_date_counts_on_the_last_vote_day(app):
    edition, (north, _south) = roll_edition()
    day = services.vote_day(edition)
    sixteen_that_day = day.replace(year=day.year - 16)
    sixteen_the_day_after = sixteen_that_day + timedelta(days=1)
    result = census.preview_census(
        actor=admin_user(),
        edition=edition,
        data=csv_file(
            [f"A1;{sixteen_that_day.isoformat()};{north.slug}", f"A2;{sixteen_the_day_after};{north.slug}"]
        ),
    )
    assert result.new == 1 and [e.line for e in result.errors] == [3]


def test_minimum_age_with_a_birth_year_counts_as_born_on_31_december(app):
    edition, (north, _south) = roll_edition()
    admin = admin_user()
    day = services.vote_day(edition)
    year = day.year - 16
    result = census.preview_census(actor=admin, edition=edition, data=csv_file([f"A1;{year};{north.slug}"]))
    # Born in the year the person turns 16: counted as born on 31 December, so 16 only if the vote ends then.
    assert (result.new == 1) == (day.month == 12 and day.day == 31)
    older = census.preview_census(
        actor=admin, edition=edition, data=csv_file([f"A1;{year - 1};{north.slug}"])
    )
    assert older.new == 1


def test_no_minimum_age_accepts_children(app):
    edition, (north, _south) = roll_edition()
    admin = admin_user()
    services.set_minimum_age(actor=admin, edition=edition, minimum_voting_age=None)
    db.session.commit()
    day = services.vote_day(edition)
    result = census.preview_census(
        actor=admin, edition=edition, data=csv_file([f"A1;{day.year - 8};{north.slug}"])
    )
    assert result.new == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
        ("identifiant;date_naissance;quartier\nA1;1980;Béthune\n".encode("latin-1"), "UTF-8"),
        (b"name;age\nBob;12\n", "columns"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(app, data, words):
    edition, _districts = roll_edition()
    with pytest.raises(census.CensusFileError) as refused:
        census.preview_census(actor=admin_user(), edition=edition, data=data)
    assert words in str(refused.value.message)


def test_a_file_over_the_size_limit_is_refused(app):
    edition, _districts = roll_edition()
    data = b"identifier;birth_date;district\n" + b"A;1980;x\n" * (10 * 1024 * 1024 // 9)
    with pytest.raises(census.CensusFileError) as refused:
        census.preview_census(actor=admin_user(), edition=edition, data=data)
    assert "too large" in str(refused.value.message)


def test_ten_thousand_lines_import_in_batches(app):
    edition, (north, south) = roll_edition()
    lines = [f"N{i:06d};{1950 + i % 50};{(north if i % 2 else south).slug}" for i in range(10_000)]
    result = import_lines(admin_user(), edition, lines)
    assert result.new == 10_000 and _entries(edition) == 10_000
