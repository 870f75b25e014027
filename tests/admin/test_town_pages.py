"""The public pages every French commune needs: shipped defaults, admin edits, footer links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.town.models import PageKind, TownPage
from civic.town.pages import default_text
from tests.conftest import csrf_token
from tests.factories import create_comment

PAGES = {
    "/mentions-legales": ("Mentions légales", "Legal notice", "Directeur ou directrice de la publication"),
    "/confidentialite": ("Politique de confidentialité", "Privacy policy", "Responsable du traitement"),
    "/charte": ("Charte de participation", "Participation charter", "Modération"),
    "/accessibilite": ("Déclaration d’accessibilité", "Accessibility statement", "Voies de recours"),
}


def _english(client) -> None:
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_shows_its_french_default_to_a_french_reader(client, path):
    title, _english_title, section = PAGES[path]
    response = client.get(path, headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page and f"<h2>{section}</h2>" in page


def test_pages_show_their_english_default_to_an_english_reader(client):
    _english(client)
    page = client.get("/accessibilite").get_data(as_text=True)
    assert "<h1>Accessibility statement</h1>" in page and "<h2>Remedies</h2>" in page
    assert "Défenseur des droits" in page and "Libre réponse 71120" in page


def test_the_accessibility_statement_follows_the_rgaa_structure():
    text = default_text(PageKind.ACCESSIBILITY, "fr")
    for heading in (
        "# État de conformité",
        "# Contenus non accessibles",
        "## Dérogations",
        "# Voies de recours",
    ):
        assert heading in text
    assert "RGAA" in text and "4.1" in text and "Défenseur des droits" in text


def test_defaults_use_french_typography():
    text = default_text(PageKind.PRIVACY, "fr")
    assert " :" not in text and "\u00a0:" in text


def test_footer_links_every_page_and_the_town_name_fills_the_defaults(client, app):
    app.config["TOWN_NAME"] = "Saint-Exemple"
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    for path in PAGES:
        assert f'href="{path}"' in page
    assert "la commune de Saint-Exemple" in client.get("/mentions-legales").get_data(as_text=True)


def test_registration_and_reporting_link_the_charter(client, login_as):
    assert 'href="/charte"' in client.get("/register").get_data(as_text=True)
    login_as()
    comment = create_comment()
    page = client.get(f"/moderation/report?target_type=comment&target_id={comment.id}").get_data(as_text=True)
    assert 'href="/charte"' in page


def _save(client, kind: str, **texts):
    token = csrf_token(client, f"/admin/town/pages/{kind}")
    data = {"csrf_token": token}
    data.update({f"body_{lang}": text for lang, text in texts.items()})
    return client.post(f"/admin/town/pages/{kind}", data=data)


def test_admin_edits_a_page_in_markdown_and_the_previous_text_stays_in_the_audit(client, login_as):
    admin = login_as(Role.ADMIN)
    first = "# Éditeur\n\nMairie de **Saint-Exemple**, 1 place de la Mairie."
    assert (
        _save(client, "legal_notice", fr=first, en=default_text(PageKind.LEGAL_NOTICE, "en")).status_code
        == 303
    )
    page = client.get("/mentions-legales").get_data(as_text=True)
    assert "Mairie de <strong>Saint-Exemple</strong>" in page
    _save(
        client,
        "legal_notice",
        fr="# Éditeur\n\nMairie, 2 place de la Mairie.<script>alert(1)</script>",
        en="",
    )
    page = client.get("/mentions-legales").get_data(as_text=True)
    assert "2 place de la Mairie" in page and "<script>alert" not in page
    db.session.expire_all()
    entries = list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "town_page.update").order_by(AuditEntry.id)
        )
    )
    assert [e.target_id for e in entries] == ["legal_notice.fr", "legal_notice.fr"]
    assert entries[0].before == {"body": None} and entries[0].after == {"body": first}
    assert entries[1].before == {"body": first} and entries[1].actor_id == admin.id


def test_an_edited_french_text_is_shown_to_english_readers_marked_as_french(client, login_as):
    login_as(Role.ADMIN, locale="en")
    _save(client, "charter", fr="Texte de la charte de la commune.", en="")
    page = client.get("/charte").get_data(as_text=True)
    assert 'lang="fr"' in page and "Texte de la charte de la commune." in page
    assert "This page is only available in French." in page


def test_an_empty_text_goes_back_to_the_default(client, login_as):
    login_as(Role.ADMIN)
    _save(client, "privacy", fr="Texte provisoire.", en="")
    assert db.session.scalars(select(TownPage)).all()
    _save(client, "privacy", fr="", en="")
    db.session.expire_all()
    assert db.session.scalars(select(TownPage)).all() == []
    assert "Responsable du traitement" in client.get("/confidentialite").get_data(as_text=True)


def test_a_too_long_text_is_refused_with_the_input_kept(client, login_as):
    login_as(Role.ADMIN, locale="en")
    response = _save(client, "charter", fr="x" * 100_001, en="Kept English text")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and "Kept English text" in page


def test_only_admins_edit_pages_and_an_unknown_page_is_404(client, login_as):
    login_as(Role.MODERATOR)
    assert client.get("/admin/town/pages/charter").status_code == 403
    login_as(Role.ADMIN)
    assert client.get("/admin/town/pages/nothing").status_code == 404
    assert client.get("/admin/town/pages").status_code == 200
