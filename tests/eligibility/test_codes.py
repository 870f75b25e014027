"""Access codes: only their HMAC stored, single use, delivered once as a PDF of letters."""

from __future__ import annotations

import re
import zlib

import pytest
from sqlalchemy import select

from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.eligibility import codes, services
from civic.eligibility.models import AccessCode, RollSource, VoterRollEntry
from civic.extensions import db
from tests.eligibility.helpers import admin_user, roll_edition
from tests.factories import create_user

CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$")


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def pdf_text(data: bytes) -> bytes:
    """Return the PDF's content streams, inflated."""
    chunks = []
    # Up to "endstream" with the end of line before it: a compressed stream may itself end with a \r, which
    # "\r?\nendstream" took for the line's end (the stream then failed to inflate: 0.35 % of streams, one CI
    # failure). The inflater stops at the end of the compressed data and leaves the end of line unused.
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            chunks.append(zlib.decompressobj().decompress(stream))
        except zlib.error:
            chunks.append(stream)
    return b"\n".join(chunks)


def test_codes_are_grouped_from_an_unambiguous_alphabet_and_only_their_hmac_is_stored(app):
    edition, (north, _south) = roll_edition()
    letters = codes.generate_codes(actor=admin_user(), edition=edition, count=5, district_id=north.id)
    db.session.commit()
    assert len({letter.code for letter in letters}) == 5
    assert all(CODE.match(letter.code) for letter in letters)
    stored = db.session.scalars(select(AccessCode)).all()
    assert len(stored) == 5
    dumped = " ".join(str(v) for row in db.session.execute(select(AccessCode.__table__)) for v in row)
    for letter in letters:
        assert letter.code not in dumped and letter.code.replace("-", "") not in dumped
    entries = db.session.scalars(select(VoterRollEntry).where(VoterRollEntry.edition_id == edition.id)).all()
    assert {e.source for e in entries} == {RollSource.ACCESS_CODE} and len(entries) == 5


def test_a_code_links_one_account_once(app):
    edition, (north, _south) = roll_edition()
    (letter,) = codes.generate_codes(actor=admin_user(), edition=edition, count=1, district_id=north.id)
    db.session.commit()
    services.link_with_code(actor=create_user(), edition=edition, code=letter.code.lower().replace("-", " "))
    db.session.commit()
    assert db.session.scalar(select(AccessCode.used_on)) == services.today()
    with pytest.raises(Conflict) as used:
        services.link_with_code(actor=create_user(), edition=edition, code=letter.code)
    assert "already been used" in str(used.value.message)


def test_an_unknown_code_is_refused(app):
    edition, _districts = roll_edition()
    with pytest.raises(ValidationFailed) as refused:
        services.link_with_code(actor=create_user(), edition=edition, code="AAAA-BBBB-CCCC")
    assert "unknown" in str(refused.value.message)


def test_only_administrators_generate_codes_and_within_bounds(app):
    edition, _districts = roll_edition()
    with pytest.raises(PermissionDenied):
        codes.generate_codes(actor=create_user(), edition=edition, count=1, district_id=None)
    with pytest.raises(ValidationFailed):
        codes.generate_codes(actor=admin_user(), edition=edition, count=10**9, district_id=None)


def test_the_letters_pdf_has_one_page_per_code_with_the_code_on_it(app):
    edition, (north, _south) = roll_edition()
    with app.test_request_context():
        letters = codes.generate_codes(actor=admin_user(), edition=edition, count=3, district_id=north.id)
        data = codes.letters_pdf(edition, letters)
    assert data.startswith(b"%PDF")
    assert pdf_pages(data) == 3
    text = pdf_text(data)
    for letter in letters:
        assert f"({letter.code})".encode() in text
