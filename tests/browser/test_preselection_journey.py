"""A resident supports a project and withdraws the support, in French and English, on a phone and a desktop."""

from __future__ import annotations

import re

import pytest

from civic.extensions import db
from civic.preselection.models import SupportRule
from tests.browser.helpers import log_in
from tests.factories import create_district, create_edition, create_proposal, create_user

WORDS = {
    "fr": {
        "support": "Soutenir ce projet",
        "one": "1 soutien",
        "none": "0 soutien",
        "withdraw": "Retirer mon soutien",
        "confirm": "Oui, retirer mon soutien",
        "left": "Il vous reste 2 soutiens sur 3.",
    },
    "en": {
        "support": "Support this project",
        "one": "1 support",
        "none": "0 supports",
        "withdraw": "Withdraw my support",
        "confirm": "Yes, withdraw my support",
        "left": "You have 2 of 3 supports left.",
    },
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("width", [375, 1280])
def test_resident_supports_a_project_then_withdraws_the_support(
    live_server, page, axe, tmp_path, lang, width
):
    words = WORDS[lang]
    district = create_district(name="Les Tilleuls")
    edition = create_edition(open_phase="preselection", districts=[district])
    db.session.add(SupportRule(edition_id=edition.id, district_id=None, per_person_cap=3, eligible_only=True))
    db.session.commit()
    proposal = create_proposal(edition=edition, district=district, title="Bancs à l'ombre des Tilleuls")
    resident = create_user(locale=lang)
    resident.district_id = district.id
    db.session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, resident)
    page.goto(f"{live_server}/proposals/{proposal.id}")
    panel = page.locator(f"#proposal-{proposal.id}-support")
    axe.check(page)
    page.screenshot(path=str(tmp_path / f"before-{lang}-{width}.png"), full_page=True)

    panel.get_by_role("button", name=re.compile(words["support"])).click()
    page.locator(".support-count", has_text=words["one"]).wait_for()
    assert words["left"] in panel.inner_text()
    axe.check(page)
    page.screenshot(path=str(tmp_path / f"supported-{lang}-{width}.png"), full_page=True)

    page.get_by_role("button", name=words["withdraw"]).or_(
        page.get_by_role("link", name=words["withdraw"])
    ).first.click()
    page.get_by_role("button", name=words["confirm"]).click()
    page.wait_for_load_state()
    page.locator(".support-count", has_text=words["none"]).wait_for()
    axe.check(page)
    page.screenshot(path=str(tmp_path / f"withdrawn-{lang}-{width}.png"), full_page=True)
    assert page.console_errors == []


def test_preselection_pages_pass_axe(live_server, page, axe):
    from datetime import timedelta

    from sqlalchemy import select

    from civic.accounts.roles import Role
    from civic.core.time import utcnow
    from civic.preselection.qualification import run_qualification
    from civic.processes.models import Phase
    from civic.processes.phases import PhaseKind

    district = create_district(name="Port-Neuf")
    edition = create_edition(open_phase="preselection", districts=[district])
    db.session.add(
        SupportRule(edition_id=edition.id, district_id=None, per_person_cap=3, eligible_only=False)
    )
    db.session.commit()
    for title in ("Abri vélos du port", "Fresque du quai"):
        create_proposal(edition=edition, district=district, title=title)
    admin = create_user(roles=(Role.ADMIN, Role.FRONT_DESK, Role.RESIDENT), locale="en")
    log_in(page, live_server, admin)
    for path in (
        f"/editions/{edition.slug}/preselection",
        f"/staff/editions/{edition.slug}/preselection/rules",
        f"/staff/editions/{edition.slug}/preselection/rules/{district.id}",
        f"/front-desk/editions/{edition.slug}/supports",
        f"/staff/editions/{edition.slug}/preselection/qualify",
    ):
        page.goto(live_server + path)
        axe.check(page)
    phase = db.session.scalar(
        select(Phase).where(Phase.edition_id == edition.id, Phase.kind == PhaseKind.PRESELECTION)
    )
    phase.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    run_qualification(actor=admin, edition=edition)
    db.session.commit()
    page.goto(f"{live_server}/editions/{edition.slug}/preselection/results")
    axe.check(page)
    page.get_by_role("link", name=re.compile("Override this result")).first.click()
    axe.check(page)
    assert page.console_errors == []
