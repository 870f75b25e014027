"""The person key: kept outside the database, stable, canonical; the birth check and code fingerprints."""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest
from flask import current_app

from civic.eligibility import keys


def test_person_key_is_stable_and_ignores_case_spaces_hyphens_and_dots(app):
    first = keys.person_key(" AB-12.345 67 ")
    assert first == keys.person_key("ab1234567")
    assert first == keys.person_key("Ab-12-345-67")
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != keys.person_key("ab1234568")


def test_person_key_refuses_an_empty_identifier(app):
    with pytest.raises(ValueError):
        keys.person_key(" - . ")


def test_key_file_is_created_once_in_the_instance_folder_with_mode_0600(app):
    current_app.extensions.pop("civic_person_key", None)
    key = keys.person_key("123")
    path = os.path.join(current_app.instance_path, keys.KEY_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        assert len(bytes.fromhex(handle.read())) == 32
    current_app.extensions.pop("civic_person_key", None)
    assert keys.person_key("123") == key


def test_configured_key_wins_over_the_file_and_changes_every_key(app):
    before = keys.person_key("123")
    current_app.extensions.pop("civic_person_key", None)
    current_app.config["PERSON_KEY"] = "ab" * 32
    try:
        assert keys.person_key("123") != before
    finally:
        current_app.config.pop("PERSON_KEY")
        current_app.extensions.pop("civic_person_key", None)


def test_a_short_configured_key_is_refused(app):
    current_app.extensions.pop("civic_person_key", None)
    current_app.config["PERSON_KEY"] = "abcd"
    try:
        with pytest.raises(keys.PersonKeyMissing):
            keys.person_key("123")
    finally:
        current_app.config.pop("PERSON_KEY")
        current_app.extensions.pop("civic_person_key", None)


def test_birth_check_matches_the_full_date_or_the_census_year_only(app):
    by_date = keys.check_key("A1", birth_date=date(1990, 4, 25))
    by_year = keys.check_key("A1", birth_year=1990)
    assert keys.birth_matches(by_date, "a-1", date(1990, 4, 25))
    assert not keys.birth_matches(by_date, "a-1", date(1990, 4, 26))
    assert keys.birth_matches(by_year, "A1", date(1990, 7, 1))
    assert not keys.birth_matches(by_year, "A1", date(1991, 7, 1))
    assert not keys.birth_matches(None, "A1", date(1990, 4, 25))
