"""Every other page a person reaches, visited in a real browser and checked with axe (fr and en)."""

from __future__ import annotations

import pytest

from civic.accounts.roles import Role
from tests.browser.helpers import log_in
from tests.factories import (
    create_comment,
    create_district,
    create_edition,
    create_proposal,
    create_report,
    create_user,
)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_staff_and_resident_pages_have_no_axe_violations(live_server, page, axe, lang):
    district = create_district(name="Centre")
    edition = create_edition(districts=[district])
    admin = create_user(roles=(Role.ADMIN, Role.MODERATOR, Role.FRONT_DESK), locale=lang)
    proposal = create_proposal(edition=edition, author=admin, district=district)
    report = create_report(target=create_comment(proposal=proposal))
    log_in(page, live_server, admin)
    paths = [
        "/",
        "/editions",
        f"/editions/{edition.slug}",
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/edit",
        f"/proposals/{proposal.id}/history",
        "/account/invitations",
        "/account",
        "/account/delete",
        "/admin/users",
        f"/admin/users/{admin.id}",
        "/admin/audit",
        "/admin/editions",
        "/admin/editions/new",
        f"/admin/editions/{edition.id}/edit",
        f"/admin/editions/{edition.id}/themes",
        f"/admin/themes/{edition.themes[0].id}/edit",
        "/admin/districts",
        "/admin/districts/new",
        f"/admin/districts/{district.id}/edit",
        f"/admin/districts/{district.id}/delete",
        "/admin/town",
        "/admin/town/pages",
        "/admin/town/pages/accessibility",
        "/admin/audit?date_from=2026-13-01",
        "/moderation",
        f"/moderation/reports/{report.id}",
        f"/editions/{edition.slug}/results",
        "/no-such-page",
    ]
    for path in paths:
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == lang, path
        axe.check(page)
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_anonymous_pages_have_no_axe_violations(live_server, browser, axe, lang):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    page = context.new_page()
    for path in [
        "/login",
        "/register",
        "/reset",
        "/reset/not-a-token",
        "/confirm/not-a-token",
        "/editions",
        "/mentions-legales",
        "/confidentialite",
        "/charte",
        "/accessibilite",
    ]:
        page.goto(live_server + path)
        axe.check(page)
    context.close()
