"""Register → confirm (link from the captured mail) → log in → edit profile → switch language → log out.

Every page visited passes axe-core with zero WCAG 2.1 A/AA violations, in French and in English.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import create_district

PASSWORD = "lantern orchard pebble 42"


@pytest.mark.parametrize("start_lang", ["fr", "en"])
def test_account_journey(live_server, page, axe, outbox, start_lang):
    create_district(name="Port-Neuf")
    page.goto(live_server + "/")
    if start_lang == "en":
        page.get_by_role("button", name=re.compile("English")).click()
        page.wait_for_url(live_server + "/")
    assert page.locator("html").get_attribute("lang") == start_lang
    axe.check(page)

    texts = {
        "fr": {
            "register": "Créer un compte",
            "email": "Adresse e-mail",
            "name": "Nom affiché",
            "password": "Mot de passe",
            "create": "Créer mon compte",
            "login": "Se connecter",
            "account": "Mon compte",
            "save": "Enregistrer mon profil",
            "district": "Quartier",
            "logout": "Se déconnecter",
            "saved": "Votre profil a été enregistré.",
        },
        "en": {
            "register": "Create an account",
            "email": "E-mail address",
            "name": "Display name",
            "password": "Password",
            "create": "Create my account",
            "login": "Log in",
            "account": "My account",
            "save": "Save my profile",
            "district": "District",
            "logout": "Log out",
            "saved": "Your profile has been saved.",
        },
    }[start_lang]

    # Register, first with an invalid form so the error state is checked too.
    page.get_by_role("navigation", name=re.compile("Navigation principale|Main navigation")).get_by_role(
        "link", name=texts["register"]
    ).click()
    axe.check(page)
    page.get_by_label(texts["email"]).fill(f"journey-{start_lang}@example.org")
    page.get_by_label(texts["name"]).fill("Jeanne Parcours")
    page.get_by_label(texts["password"]).fill("short")
    page.get_by_role("button", name=texts["create"]).click()
    assert page.locator(".error-summary").is_visible()
    axe.check(page)
    page.get_by_label(texts["password"]).fill(PASSWORD)
    page.get_by_role("button", name=texts["create"]).click()
    page.wait_for_url(re.compile(r".*/register/check-your-inbox$"))
    axe.check(page)

    # Confirm with the link from the captured mail, written in the registrant's language.
    mail = outbox[-1]
    assert mail.locale == start_lang
    link = re.search(r"http://[^/\s]+(/confirm/\S+)", mail.body).group(1)
    page.goto(live_server + link)
    page.wait_for_url(re.compile(r".*/login$"))
    axe.check(page)

    page.get_by_label(texts["email"]).fill(f"journey-{start_lang}@example.org")
    page.get_by_label(texts["password"]).fill(PASSWORD)
    page.get_by_role("button", name=texts["login"]).click()
    page.get_by_role("link", name=re.compile(texts["account"])).click()
    page.wait_for_url(re.compile(r".*/account$"))
    axe.check(page)

    page.get_by_label(texts["district"]).select_option(label="Port-Neuf")
    page.get_by_label(texts["name"]).fill("Jeanne P.")
    page.get_by_role("button", name=texts["save"]).click()
    assert page.get_by_text(texts["saved"]).is_visible()
    axe.check(page)

    # Switch language from the header: the page and the stored preference follow.
    other = "en" if start_lang == "fr" else "fr"
    page.get_by_role("button", name=re.compile("English" if other == "en" else "Français")).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    axe.check(page)

    page.get_by_role("button", name="Log out" if other == "en" else "Se déconnecter").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in" if other == "en" else "Se connecter").is_visible()
    axe.check(page)
    assert not page.console_errors, page.console_errors
    assert len(axe.checked) >= 9


def test_axe_check_catches_a_real_violation(page, axe):
    """The accessibility gate can fail: an image without text alternative is reported."""
    page.set_content(
        '<!doctype html><html lang="fr"><head><title>t</title></head>'
        '<body><main><img src="x.png"></main></body></html>'
    )
    with pytest.raises(AssertionError, match="image-alt"):
        axe.check(page)
