"""Admins set the town's name, colours and logo; pages and e-mails show them."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import event, select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.mail import send_mail
from civic.core.town import TownSettings
from civic.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN, locale="en")


def _settings() -> TownSettings | None:
    db.session.expire_all()
    return db.session.get(TownSettings, 1)


def _payload(client, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/admin/town"),
        "name": "Ville de Montreuil-sur-Loire",
        "primary_colour": "#14532d",
        "secondary_colour": "#fef3c7",
    }
    data.update(overrides)
    return data


def _png(size=(300, 120), mode="RGBA", **save_options) -> bytes:
    out = BytesIO()
    Image.new(mode, size, (20, 83, 45, 255) if mode == "RGBA" else (20, 83, 45)).save(out, **save_options)
    return out.getvalue()


def test_defaults_come_from_the_configured_town_name(client, app):
    app.config["TOWN_NAME"] = "Commune de Test"
    page = client.get("/").get_data(as_text=True)
    assert "· Commune de Test</title>" in page and "Commune de Test</a>" in page
    assert 'href="/town.css?v=0"' in page


def test_admin_sets_name_and_colours_used_in_header_title_and_stylesheet(client, admin):
    response = client.post("/admin/town", data=_payload(client))
    assert response.status_code == 303 and response.headers["Location"] == "/admin/town"
    settings = _settings()
    assert (settings.name, settings.primary_colour, settings.secondary_colour) == (
        "Ville de Montreuil-sur-Loire",
        "#14532d",
        "#fef3c7",
    )
    page = client.get("/").get_data(as_text=True)
    assert 'class="brand"' in page and "Ville de Montreuil-sur-Loire</a>" in page
    assert "· Ville de Montreuil-sur-Loire</title>" in page
    assert f'href="/town.css?v={settings.version}"' in page
    css = client.get(f"/town.css?v={settings.version}")
    assert css.mimetype == "text/css" and "immutable" in css.headers["Cache-Control"]
    body = css.get_data(as_text=True)
    assert "--town-primary: #14532d;" in body and "--pico-primary: #14532d;" in body
    assert "--town-secondary: #fef3c7;" in body


def test_a_change_is_audited_with_before_and_after(client, admin):
    client.post("/admin/town", data=_payload(client))
    client.post("/admin/town", data=_payload(client, primary_colour="#7c2d12"))
    db.session.expire_all()
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "town.update")))
    assert len(entries) == 2
    assert entries[1].actor_id == admin.id and entries[1].target_type == "town"
    assert entries[1].before == {"primary_colour": "#14532d"} and entries[1].after == {
        "primary_colour": "#7c2d12"
    }
    # Saving again without change writes nothing.
    client.post("/admin/town", data=_payload(client, primary_colour="#7c2d12"))
    db.session.expire_all()
    assert db.session.query(AuditEntry).filter_by(action="town.update").count() == 2


def test_a_primary_colour_too_light_for_white_text_is_refused_with_the_ratio_and_input_kept(client, admin):
    response = client.post("/admin/town", data=_payload(client, primary_colour="#facc15", name="Ma ville"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#primary_colour"' in page
    assert "#facc15 and the text it carries (#ffffff) contrast at 1.5:1" in page
    assert "darker" in page
    assert 'value="Ma ville"' in page and 'value="#facc15"' in page
    assert _settings() is None


def test_a_secondary_colour_too_dark_for_dark_text_is_refused(client, admin):
    response = client.post("/admin/town", data=_payload(client, secondary_colour="#334155"))
    assert response.status_code == 422
    assert "Choose a lighter colour" in response.get_data(as_text=True)


def test_a_colour_that_is_not_hex_is_refused(client, admin):
    response = client.post("/admin/town", data=_payload(client, primary_colour="blue"))
    assert response.status_code == 422
    assert "six hexadecimal digits" in response.get_data(as_text=True)


def test_only_admins_reach_the_town_settings(client, login_as):
    login_as(Role.MODERATOR)
    assert client.get("/admin/town").status_code == 403


def test_logo_is_reencoded_as_png_without_metadata_and_served_with_the_header(client, admin):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    jpeg = _png(size=(1600, 400), mode="RGB", format="JPEG", exif=exif.tobytes(), comment=b"hidden comment")
    data = _payload(client)
    data["logo"] = (BytesIO(jpeg), "logo.jpg")
    response = client.post("/admin/town", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    settings = _settings()
    stored = Image.open(BytesIO(settings.logo_png))
    assert stored.format == "PNG" and stored.size == (800, 200)
    assert not stored.getexif() and "comment" not in stored.info and b"secret" not in settings.logo_png
    assert b"hidden comment" not in settings.logo_png
    page = client.get("/").get_data(as_text=True)
    assert f'src="/town/logo.png?v={settings.version}"' in page and 'width="800" height="200"' in page
    served = client.get(f"/town/logo.png?v={settings.version}")
    assert served.mimetype == "image/png" and served.data == settings.logo_png


def test_logo_can_be_removed(client, admin):
    data = _payload(client)
    data["logo"] = (BytesIO(_png(format="PNG")), "logo.png")
    client.post("/admin/town", data=data, content_type="multipart/form-data")
    assert _settings().logo_png is not None
    assert client.post("/admin/town", data=_payload(client, remove_logo="y")).status_code == 303
    assert _settings().logo_png is None
    assert client.get("/town/logo.png").status_code == 404


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "SVG is not accepted",
        ),
        (b"GIF89a" + b"\0" * 40, "logo.gif", "must be a PNG or JPEG image"),
        (b"\x89PNG" + b"\0" * 20_000, "big.png", "MB or smaller"),
    ],
    ids=["svg", "gif", "too-many-bytes"],
)
def test_a_bad_logo_is_a_field_error_and_the_other_fields_are_kept(
    client, admin, monkeypatch, content, filename, message
):
    # A smaller limit keeps the upload in memory (the test client spools big bodies to disk).
    monkeypatch.setattr("civic.town.logo.MAX_BYTES", 10_000)
    data = _payload(client, name="Ma ville à moi")
    data["logo"] = (BytesIO(content), filename)
    response = client.post("/admin/town", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'href="#logo"' in page
    assert 'value="Ma ville à moi"' in page
    assert _settings() is None


def test_a_logo_with_too_many_pixels_is_refused(client, admin):
    data = _payload(client)
    data["logo"] = (BytesIO(_png(size=(5000, 4000), mode="RGB", format="PNG")), "huge.png")
    response = client.post("/admin/town", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)


def test_settings_are_read_once_then_cached_until_they_change(client, app, admin):
    client.post("/admin/town", data=_payload(client))
    client.get("/")
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        client.get("/charte")
        client.get("/town.css")
        assert not [s for s in statements if "town_settings" in s]
        client.get("/charte")
        statements.clear()
        client.get("/charte")
        assert not [s for s in statements if "town_" in s], "the page's text is cached too"
        client.post("/admin/town", data=_payload(client, name="Nouveau nom"))
        assert "Nouveau nom</a>" in client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def test_mails_carry_the_town_name_as_sender_and_in_the_signature(client, app, admin, outbox):
    client.post("/admin/town", data=_payload(client, name="Ville de Montreuil-sur-Loire"))
    with app.test_request_context():
        mail = send_mail(
            to="a@example.org", template="reset_password", locale="fr", name="Ana", reset_url="x"
        )
    assert mail.from_header == "Ville de Montreuil-sur-Loire <no-reply@civic.example.org>"
    assert mail.body.endswith(
        "\n\n-- \nVille de Montreuil-sur-Loire\n"
        + "Vous recevez ce message de la plateforme de participation de Ville de Montreuil-sur-Loire.\n"
    )


def test_a_town_name_cannot_smuggle_mail_headers(client, app, admin):
    client.post("/admin/town", data=_payload(client, name="Ville\r\nBcc: victim@example.org"))
    assert _settings().name == "Ville Bcc: victim@example.org"
    with app.test_request_context():
        mail = send_mail(
            to="a@example.org", template="reset_password", locale="en", name="Ana", reset_url="x"
        )
    assert "\n" not in mail.from_header and "\r" not in mail.from_header


def test_a_photo_logo_is_turned_the_right_way_up_before_its_exif_is_dropped(client, admin):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    data = _payload(client)
    data["logo"] = (
        BytesIO(_png(size=(200, 100), mode="RGB", format="JPEG", exif=exif.tobytes())),
        "photo.jpg",
    )
    assert client.post("/admin/town", data=data, content_type="multipart/form-data").status_code == 303
    stored = Image.open(BytesIO(_settings().logo_png))
    assert stored.size == (100, 200) and not stored.getexif()
