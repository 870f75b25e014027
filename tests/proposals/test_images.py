"""Proposal images: real pictures only, re-encoded without metadata, served with safe headers."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from civic.extensions import db
from civic.proposals.models import Proposal, ProposalImage
from tests.conftest import csrf_token
from tests.factories import create_edition

XSS = '"><svg onload=alert(1)>'


def _png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 80, 20))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _submit(client, edition, files):
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    data = {
        "csrf_token": token,
        "title": "Projet illustré",
        "summary": "Un projet avec une photo du lieu.",
        "description": "La photo montre le square avant les travaux envisagés.",
        "alt1": "Le square vu du nord",
        **files,
    }
    return client.post(
        f"/editions/{edition.slug}/proposals/new", data=data, content_type="multipart/form-data"
    )


def test_image_is_reencoded_and_served_safely(app, client, login_as):
    edition = create_edition()
    login_as()
    # A double quote would end the multipart header, so the file-name payload uses a single quote.
    file_name_xss = "photo'><svg onload=alert(1)>.jpg"
    response = _submit(client, edition, {"image1": (io.BytesIO(_png()), file_name_xss)})
    assert response.status_code == 303
    image = db.session.scalar(select(ProposalImage))
    assert image.content_type == "image/jpeg" and (image.width, image.height) == (40, 30)
    assert XSS not in image.stored_name and image.stored_name.endswith(".jpg")
    served = client.get(f"/proposals/{image.proposal_id}/images/{image.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert b"SecretCameraMaker" not in served.data
    served.close()
    assert image.original_name == file_name_xss
    page = client.get(f"/proposals/{image.proposal_id}").get_data(as_text=True)
    assert 'alt="Le square vu du nord"' in page
    edit_page = client.get(f"/proposals/{image.proposal_id}/edit").get_data(as_text=True)
    assert "<svg onload" not in page and "<svg onload" not in edit_page
    assert "photo&#39;&gt;&lt;svg onload=alert(1)&gt;.jpg" in edit_page


def test_a_fake_image_is_refused_with_a_clear_message(client, login_as):
    edition = create_edition()
    login_as()
    fake = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    response = _submit(client, edition, {"image1": (fake, "evil.png")})
    assert response.status_code == 422
    assert db.session.scalar(select(ProposalImage)) is None
    assert db.session.scalar(select(Proposal)) is None


def test_wrong_extension_is_refused_by_the_form(client, login_as):
    edition = create_edition()
    login_as()
    response = _submit(client, edition, {"image1": (io.BytesIO(_png()), "photo.svg")})
    assert response.status_code == 422


def test_at_most_three_images(client, login_as):
    from civic.proposals.services import add_image

    edition = create_edition()
    author = login_as()
    _submit(client, edition, {"image1": (io.BytesIO(_png()), "a.jpg")})
    proposal = db.session.scalar(select(Proposal))
    add_image(actor=author, proposal=proposal, stream=io.BytesIO(_png()), filename="b.jpg", alt_text="b")
    add_image(actor=author, proposal=proposal, stream=io.BytesIO(_png()), filename="c.jpg", alt_text="c")
    import pytest

    from civic.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        add_image(actor=author, proposal=proposal, stream=io.BytesIO(_png()), filename="d.jpg", alt_text="d")
    db.session.rollback()
