"""The interface's building blocks over HTTP: style guide access, home page, navigation, cards and badges."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import ProposalStatus
from tests.factories import create_district, create_edition, create_proposal

BLOCK_IDS = [
    "sg-buttons",
    "sg-badges",
    "sg-stepper",
    "sg-cards",
    "sg-money",
    "sg-forms",
    "sg-confirm",
    "sg-tables",
    "sg-charts",
    "sg-empty",
    "sg-pagination",
    "sg-flash",
]


def test_the_style_guide_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/styleguide")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_style_guide_is_refused_to_residents(client, login_as):
    login_as(Role.RESIDENT)
    assert client.get("/styleguide").status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MODERATOR, Role.FRONT_DESK, Role.ANALYST])
def test_the_style_guide_shows_every_block_to_staff(client, login_as, role):
    login_as(role, locale="en")
    page = client.get("/styleguide").get_data(as_text=True)
    for block in BLOCK_IDS:
        assert f'id="{block}"' in page, block
    # Every state of the stepper, every tone of badge, an error summary tied to its fields.
    assert 'aria-current="step"' in page and "step-done" in page and "step-unscheduled" in page
    for tone in ("progress", "success", "danger", "waiting", "muted"):
        assert f"badge-{tone}" in page
    assert 'role="alert"' in page and 'href="#ko-title"' in page
    assert 'aria-describedby="ok-title-hint"' in page
    assert 'aria-describedby="ko-title-hint ko-title-error"' in page and 'aria-invalid="true"' in page
    # A dialog enhancement that falls back to a link, a chart with its own title and its table.
    assert 'data-confirm-dialog="sg-dialog"' in page and "<dialog" in page
    assert "<title id=" in page and "<desc id=" in page and 'role="region"' in page


def test_the_style_guide_speaks_french(client, login_as):
    login_as(Role.ADMIN, locale="fr")
    page = client.get("/styleguide").get_data(as_text=True)
    assert "Guide de style" in page and "Frise des phases" in page and "Veuillez corriger" in page


def test_every_status_badge_carries_words_and_an_icon(client, login_as):
    login_as(Role.ADMIN, locale="en")
    page = client.get("/styleguide").get_data(as_text=True)
    badge = r'<span class="badge badge-(\w+) status-(\w+)">'
    icon_then_words = r'<span class="icon icon-(\w+)" aria-hidden="true"></span><span>([^<]+)</span>'
    badges = re.findall(badge + icon_then_words, page)
    assert {status for _tone, status, _icon, _text in badges} == {s.value for s in ProposalStatus}
    assert all(text.strip() for *_rest, text in badges)
    tones = {status: tone for tone, status, _icon, _text in badges}
    assert tones["selected"] == "success" and tones["not_selected"] == "danger"
    assert tones["withdrawn"] == "muted" and tones["submitted"] == "progress"
    # One icon per tone, so the outcome reads without colour.
    assert {tone: icon for tone, _status, icon, _text in badges} == {
        "progress": "dot",
        "success": "check",
        "danger": "cross",
        "waiting": "clock",
        "muted": "minus",
    }


def test_the_main_navigation_folds_behind_a_disclosure_button_without_inline_script(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(
        r'<button type="button" class="nav-toggle[^"]*" aria-expanded="false" aria-controls="main-menu"', page
    )
    assert 'id="main-menu"' in page
    # No inline script (strict CSP): every <script> has a src.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_the_home_page_leads_with_the_current_edition_its_phase_deadline_and_one_action(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    edition = create_edition(name="BP 2026", open_phase="submission")
    create_edition(name="BP 2024", year=2024, open_phase=None)
    page = client.get("/").get_data(as_text=True)
    hero = page[page.index('class="hero"') : page.index("</section>", page.index('class="hero"'))]
    assert "BP 2026" in hero and "BP 2024" not in hero
    assert "Edition in progress" in hero and "Submission of projects" in hero and "Until " in hero
    actions = re.findall(r'<a href="([^"]+)" role="button">', hero)
    assert actions == [f"/editions/{edition.slug}/proposals/new"]


def test_the_home_page_never_offers_a_vote_civic_cannot_take(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    edition = create_edition(name="BP vote", open_phase="vote")
    home = client.get("/").get_data(as_text=True)
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    for body in (home, page):
        assert not re.search(r">\s*Vote\b[^<]*</a>", body)
    assert "This site does not take votes yet" in page
    # The home page's one action during the vote: read (and comment on) the projects.
    assert f'href="/editions/{edition.slug}/proposals" role="button"' in home


def test_the_home_page_points_to_the_next_edition_when_none_is_running(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    upcoming = create_edition(name="BP 2027", year=2027)
    for phase in upcoming.phases:
        phase.starts_at += timedelta(days=100)
        phase.ends_at += timedelta(days=100)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Next edition" in page and "BP 2027" in page and "Starts on" in page
    assert 'role="button"' not in page[page.index('class="hero"') :].split("</section>")[0]


def test_the_home_page_explains_when_no_edition_is_published(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/").get_data(as_text=True)
    assert 'class="empty-state"' in page and "No edition has been published yet." in page


def test_proposal_cards_show_district_cost_status_and_a_placeholder_image(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    district = create_district(name="Kervenec")
    edition = create_edition(districts=[district])
    proposal = create_proposal(edition=edition, district=district, title="Jardin partagé")
    proposal.estimated_cost_cents = 12_500_00
    db.session.commit()
    page = client.get(f"/editions/{edition.slug}/proposals").get_data(as_text=True)
    card = page[page.index('<article class="card">') : page.index("</article>")]
    assert "Jardin partagé" in card and "Kervenec" in card and "€12,500" in card
    assert 'class="badge badge-progress status-submitted"' in card and "Submitted" in card
    assert 'class="card-placeholder' in card and "1 comment" not in card and "0 comments" in card


def test_the_staff_role_check_does_not_count_residents_or_funders():
    from civic.admin.styleguide import is_staff

    assert not is_staff({Role.RESIDENT}) and not is_staff({Role.FUNDER})
    assert is_staff({Role.RESIDENT, Role.MODERATOR}) and is_staff({Role.ADMIN})
