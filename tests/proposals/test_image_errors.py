"""A bad image is an error on its own field, the rest of the form is kept; no file outlives a failed request."""

from __future__ import annotations

import gc
import io
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from civic.extensions import db
from civic.proposals import services
from civic.proposals.images import upload_folder
from civic.proposals.models import Proposal, ProposalImage
from tests.conftest import csrf_token
from tests.factories import create_edition


def _jpeg(size=(40, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header announces width × height pixels (a decompression bomb's shape)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data[12:29]  # chunk type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def _files(app: Flask) -> list[Path]:
    with app.app_context():
        return sorted(upload_folder().iterdir())


def _submit(client, edition, headers=None, **files):
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    data = {
        "csrf_token": token,
        "title": "Un potager partagé",
        "summary": "Des bacs de culture dans la cour de l'école.",
        "description": "Les enfants et les voisins cultiveraient ensemble des légumes de saison.",
        "estimated_cost": "4 500",
        "alt1": "La cour de l'école",
        **files,
    }
    return client.post(
        f"/editions/{edition.slug}/proposals/new",
        data=data,
        content_type="multipart/form-data",
        headers=headers or {},
    )


def _assert_kept_with_error_on(page: str, field: str, message: str) -> None:
    assert f'id="{field}-error"' in page and message in page
    assert 'value="Un potager partagé"' in page
    assert "Des bacs de culture dans la cour de l&#39;école." in page
    assert 'value="4 500"' in page and 'value="La cour de l&#39;école"' in page


def test_a_file_that_is_not_an_image_is_an_error_on_its_field(app, client, login_as):
    edition = create_edition()
    login_as(locale="fr")
    response = _submit(client, edition, image1=(io.BytesIO(b"%PDF-1.4 not a picture"), "plan.jpg"))
    assert response.status_code == 422
    _assert_kept_with_error_on(response.get_data(as_text=True), "image1", "pas une image JPEG, PNG ou WebP")
    assert db.session.scalar(select(Proposal)) is None and _files(app) == []


@pytest.fixture
def big_upload():
    """Collect the test client's on-disk request body (Werkzeug's test builder never closes it)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_an_image_over_5_mb_is_an_error_on_its_field(app, client, login_as, big_upload):
    edition = create_edition()
    login_as(locale="fr")
    heavy = _jpeg() + b"\0" * (5 * 1024 * 1024)
    response = _submit(client, edition, image2=(io.BytesIO(heavy), "lourde.jpg"))
    assert response.status_code == 422
    _assert_kept_with_error_on(response.get_data(as_text=True), "image2", "plus de 5 Mo")
    assert _files(app) == []


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (9_000, 9_000, "too many pixels (9000 × 9000): 40 megapixels at most"),
        # So large that Pillow itself calls it a decompression bomb.
        (60_000, 60_000, "too many pixels: 40 megapixels at most"),
    ],
)
def test_an_image_with_too_many_pixels_is_refused_before_decoding(
    app, client, login_as, width, height, message
):
    edition = create_edition()
    login_as(locale="en")
    bomb = _png_claiming(width, height)
    response = _submit(client, edition, image1=(io.BytesIO(bomb), "bomb.png"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="image1-error"' in page and message in page
    assert _files(app) == []


def test_an_htmx_submission_gets_the_form_fragment_back_with_the_error(client, login_as):
    edition = create_edition()
    login_as(locale="en")
    response = _submit(
        client, edition, headers={"HX-Request": "true"}, image1=(io.BytesIO(b"GIF89a"), "a.png")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.lstrip().startswith('<div id="proposal-form">') and "<html" not in page
    assert 'id="image1-error"' in page and 'value="Un potager partagé"' in page


def test_a_failed_transaction_leaves_no_image_file(app, client, login_as, monkeypatch):
    edition = create_edition()
    login_as()
    real_add_image = services.add_image
    calls = []

    def add_image_then_fail(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise services.ValidationFailed("refused after the first file was written")
        return real_add_image(**kwargs)

    monkeypatch.setattr(services, "add_image", add_image_then_fail)
    response = _submit(
        client, edition, image1=(io.BytesIO(_jpeg()), "a.jpg"), image2=(io.BytesIO(_jpeg()), "b.jpg")
    )
    assert response.status_code == 422 and len(calls) == 2
    assert db.session.scalar(select(Proposal)) is None
    assert _files(app) == []


def test_a_successful_upload_keeps_exactly_its_file_and_removal_deletes_it(app, client, login_as):
    edition = create_edition()
    login_as()
    assert _submit(client, edition, image1=(io.BytesIO(_jpeg()), "a.jpg")).status_code == 303
    image = db.session.scalar(select(ProposalImage))
    assert [p.name for p in _files(app)] == [image.stored_name]
    url = f"/proposals/{image.proposal_id}/images/{image.id}/delete"
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'class="danger"' in confirm.get_data(as_text=True)
    assert _files(app) != []  # asking is not acting
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    assert _files(app) == []


def test_jpeg_comments_and_other_metadata_are_stripped(app, client, login_as):
    edition = create_edition()
    login_as()
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    original = _jpeg(comment=b"SECRET-COMMENT-SEGMENT", exif=exif, icc_profile=b"SECRET-ICC-PROFILE")
    assert b"SECRET-COMMENT-SEGMENT" in original and b"\xff\xfe" in original  # a COM segment is there
    assert _submit(client, edition, image1=(io.BytesIO(original), "a.jpg")).status_code == 303
    (stored,) = _files(app)
    data = stored.read_bytes()
    assert b"SECRET-COMMENT-SEGMENT" not in data and b"\xff\xfe" not in data
    assert b"SecretCameraMaker" not in data and b"SECRET-ICC-PROFILE" not in data
    with Image.open(stored) as reread:
        assert "comment" not in reread.info and "exif" not in reread.info


def test_a_request_over_the_size_cap_gets_a_friendly_413_page(app, client, login_as):
    edition = create_edition()
    login_as(locale="fr")
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    response = _submit(client, edition, image1=(io.BytesIO(b"\0" * 300 * 1024), "a.jpg"))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "rien n’a été enregistré" in page and "votre texte y est toujours" in page
    assert db.session.scalar(select(Proposal)) is None


def test_an_htmx_request_over_the_cap_gets_an_error_fragment_in_the_flash_area(app, client, login_as):
    edition = create_edition()
    login_as(locale="en")
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    response = _submit(
        client, edition, headers={"HX-Request": "true"}, image1=(io.BytesIO(b"\0" * 300 * 1024), "a.jpg")
    )
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#flash-messages"
    page = response.get_data(as_text=True)
    assert "<html" not in page and "nothing was saved" in page


def test_the_form_tells_the_script_the_size_limits(client, login_as):
    edition = create_edition()
    login_as(locale="en")
    page = client.get(f"/editions/{edition.slug}/proposals/new").get_data(as_text=True)
    assert f'data-max-bytes="{5 * 1024 * 1024}"' in page
    assert 'data-too-large="This image is larger than 5 MB: choose a smaller file."' in page
    assert f'data-max-total-bytes="{16 * 1024 * 1024}"' in page
