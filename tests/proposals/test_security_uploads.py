"""Uploads reach only the decoders of the formats Civic accepts: a BMP, TGA or EPS disguised as a JPEG is
refused before Pillow decodes it (EPS would run Ghostscript; old formats' decoders are where exploits live)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select

from civic.core.errors import ValidationFailed
from civic.extensions import db
from civic.proposals.models import ProposalImage
from civic.town.logo import process_logo
from tests.conftest import csrf_token
from tests.factories import create_edition

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\n%%EOF\n"


def _picture(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (10, 120, 30)).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.fixture
def decoded(monkeypatch) -> list[str]:
    """Record the format of every image Pillow decodes."""
    formats: list[str] = []
    original = ImageFile.ImageFile.load

    def load(self):  # type: ignore[no-untyped-def]
        formats.append(str(self.format))
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return formats


@pytest.mark.parametrize("payload", [_picture("BMP"), _picture("TGA"), EPS], ids=["bmp", "tga", "eps"])
def test_proposal_image_in_another_format_is_refused_without_being_decoded(
    client, login_as, decoded, payload
):
    edition = create_edition()
    login_as()
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    response = client.post(
        f"/editions/{edition.slug}/proposals/new",
        data={
            "csrf_token": token,
            "title": "Projet illustré",
            "summary": "Un projet avec une photo du lieu.",
            "description": "La photo montre le square avant les travaux envisagés.",
            "image1": (io.BytesIO(payload), "photo.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code != 303
    assert db.session.scalar(select(ProposalImage)) is None
    assert decoded == []


@pytest.mark.parametrize("payload", [_picture("BMP"), EPS], ids=["bmp", "eps"])
def test_logo_in_another_format_is_refused_without_being_decoded(app, decoded, payload):
    with pytest.raises(ValidationFailed):
        process_logo(payload)
    assert decoded == []


def test_a_real_jpeg_is_still_decoded_and_accepted(app, decoded):
    assert process_logo(_picture("JPEG")).width == 12
    assert set(decoded) == {"JPEG"}
