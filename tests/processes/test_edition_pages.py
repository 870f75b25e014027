"""Public edition pages: visibility, budget ratios, an accessible calendar, what is open when, counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from civic.accounts.roles import Role
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.phases import Action, PhaseKind, allowed_actions
from civic.processes.queries import edition_counts
from tests.conftest import csrf_token
from tests.factories import create_comment, create_district, create_edition, create_proposal, create_user
from tests.processes.helpers import XSS, edition_payload, set_calendar

# Naive UTC, as stored. Summer time in Paris from 29 March 2026 (UTC+2), winter before (UTC+1).
CALENDAR_2026 = {
    PhaseKind.SUBMISSION: (datetime(2026, 3, 1, 9), datetime(2026, 4, 1, 8)),
    PhaseKind.PRESELECTION: (datetime(2026, 4, 1, 8), datetime(2026, 4, 15, 8)),
    PhaseKind.ANALYSIS: (datetime(2026, 4, 15, 8), datetime(2026, 6, 1, 8)),
    PhaseKind.VOTE: (datetime(2026, 6, 1, 8), datetime(2026, 6, 21, 20)),
    PhaseKind.RESULTS: (datetime(2026, 6, 21, 20), datetime(2026, 12, 31, 23)),
    PhaseKind.REALISATION: (datetime(2026, 9, 1, 8), datetime(2028, 12, 31, 23)),
}
CURRENT_STEP = re.compile(
    r'aria-current="step">(?:(?!</li>).)*?<strong class="step-name">([^<]+)</strong>', re.S
)


def _at(*args: int) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def _edition_2026(**kwargs) -> Edition:
    edition = create_edition(**kwargs)
    set_calendar(edition, CALENDAR_2026)
    return edition


def _english_visitor(client) -> None:
    # An anonymous visitor whose browser asks for English. (A login would not survive travelling
    # back in time: the signed session cookie would carry a timestamp from the future.)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_an_unpublished_edition_is_404_for_everyone_but_administrators(client, login_as):
    edition = create_edition(name="Brouillon secret", published=False)
    url = f"/editions/{edition.slug}"
    assert client.get(url).status_code == 404
    login_as(Role.RESIDENT)
    assert client.get(url).status_code == 404
    login_as(Role.MODERATOR)
    assert client.get(url).status_code == 404
    assert "Brouillon secret" not in client.get("/editions").get_data(as_text=True)
    login_as(Role.ADMIN, locale="en")
    page = client.get(url)
    assert page.status_code == 200
    assert 'role="note"' in page.get_data(as_text=True) and "Not published." in page.get_data(as_text=True)


def test_an_unknown_edition_is_404(client):
    assert client.get("/editions/no-such-edition").status_code == 404


def test_the_page_shows_euros_per_inhabitant_and_share_of_investment_budget_in_french(client):
    edition = create_edition(
        envelope_cents=100_000_00, population=22_000, investment_budget_cents=4_000_000_00
    )
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "4,55\xa0€" in page  # 100 000 € for 22 000 inhabitants
    assert "2,5\xa0%" in page  # of a 4 M€ investment budget
    assert "11,83\xa0€" in page  # the French mean it is compared with
    assert "100\u202f000\xa0€" in page


def test_the_figures_are_compared_with_the_french_references(client):
    _english_visitor(client)
    modest = create_edition(
        envelope_cents=100_000_00, population=22_000, investment_budget_cents=4_000_000_00
    )
    page = client.get(f"/editions/{modest.slug}").get_data(as_text=True)
    assert "€4.55 per inhabitant (22,000 inhabitants)." in page
    assert "Below the French average of €11.83 per inhabitant." in page
    assert "2.5% of the town's investment budget (€4,000,000)." in page
    assert "Within the usual range of 2% to 5%." in page

    bold = create_edition(envelope_cents=500_000_00, population=22_000, investment_budget_cents=4_000_000_00)
    page = client.get(f"/editions/{bold.slug}").get_data(as_text=True)
    assert "€22.73 per inhabitant" in page and "Above the French average" in page
    assert "12.5% of the town" in page and "Above the usual range of 2% to 5%." in page


def test_ratios_are_left_out_when_population_or_investment_budget_is_unknown(client):
    _english_visitor(client)
    edition = create_edition(population=None, investment_budget_cents=None)
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "per inhabitant" not in page and "investment budget" not in page and "€100,000" in page


def test_the_calendar_is_an_ordered_list_marking_the_current_phase_in_text_and_aria(client):
    _english_visitor(client)
    edition = _edition_2026()
    with _at(2026, 6, 10, 12):
        page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert CURRENT_STEP.findall(page) == ["Vote"]
    calendar = page[page.index('id="calendar-title"') :]
    assert calendar.index("Submission of projects") < calendar.index("Vote") < calendar.index("Realisation")
    current = page[page.index('aria-current="step"') :]
    assert current[: current.index("</li>")].count("in progress") == 1
    # Dates in Paris time: 1 March 09:00 UTC is 10:00 in Paris, 1 June 08:00 UTC is 10:00 too.
    assert "From 1 March 2026, 10:00 to 1 April 2026, 10:00" in page
    assert "From 1 June 2026, 10:00 to 21 June 2026, 22:00" in page


def test_overlapping_phases_are_all_marked_current(client):
    _english_visitor(client)
    edition = _edition_2026()
    with _at(2026, 10, 1):
        page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert CURRENT_STEP.findall(page) == ["Results", "Realisation"]


@pytest.mark.parametrize(
    ("moment", "opened", "closed"),
    [
        ((2026, 3, 15), {Action.SUBMIT_PROPOSAL, Action.COMMENT}, {Action.SUPPORT, Action.VOTE}),
        ((2026, 4, 10), {Action.SUPPORT, Action.COMMENT}, {Action.SUBMIT_PROPOSAL, Action.VOTE}),
        ((2026, 6, 10), {Action.VOTE, Action.COMMENT}, {Action.SUBMIT_PROPOSAL, Action.SUPPORT}),
        ((2026, 7, 1), {Action.SEE_RESULTS}, {Action.VOTE, Action.COMMENT}),
        ((2029, 1, 1), set(), set(Action)),
    ],
)
def test_the_calendar_opens_actions_at_the_right_dates(app, moment, opened, closed):
    edition = _edition_2026()
    with _at(*moment):
        actions = allowed_actions(edition.calendar, utcnow(), city_list=edition.is_city_list)
    assert opened <= actions and not (closed & actions)


def test_what_you_can_do_now_follows_the_calendar(client, app):
    _english_visitor(client)
    edition = _edition_2026()
    url = f"/editions/{edition.slug}"
    with _at(2026, 3, 15):
        page = client.get(url).get_data(as_text=True)
    assert "Submit a project, online or at the town hall." in page
    if "proposals.new_proposal" in app.view_functions:
        assert f'href="/editions/{edition.slug}/proposals/new"' in page
    # 1 April 08:00 UTC is 10:00 in Paris (summer time).
    assert "Next step: Pre-selection, from 1 April 2026, 10:00." in page
    with _at(2026, 6, 10):
        page = client.get(url).get_data(as_text=True)
    # Civic does not take votes yet: the page says the vote is under way instead of promising it.
    assert "The vote is under way. This site does not take votes yet" in page
    assert "Vote for the projects you prefer" not in page and "Submit a project" not in page
    with _at(2029, 1, 1):
        page = client.get(url).get_data(as_text=True)
    assert "This edition is over." in page and "Next step" not in page


def test_city_list_editions_never_offer_submission(client):
    _english_visitor(client)
    edition = _edition_2026(mode="city_list")
    with _at(2026, 3, 15):
        page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "Submit a project" not in page and "/proposals/new" not in page
    assert "Comment on the projects." in page
    assert "The city proposes a list of projects; residents vote" in page


def test_districts_with_their_envelopes_and_the_rules_are_shown(client):
    _english_visitor(client)
    north, south = create_district(name="Kerhoas"), create_district(name="Saint-Guénaël")
    edition = create_edition(districts=[north, south])
    edition.districts[0].envelope_cents = 30_000_00
    edition.rules_text = "# Règlement\n\nUn **seul** projet par personne."
    db.session.commit()
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "<caption" in page and '<th scope="row">Kerhoas</th>' in page and "€30,000" in page
    assert '<th scope="row">Saint-Guénaël</th>' in page and "no separate envelope" in page
    assert "<h3>Règlement</h3>" in page and "<strong>seul</strong>" in page
    assert "<li>Mobilités</li>" in page


def test_counts_include_public_proposals_visible_comments_and_distinct_contributors(app):
    edition = create_edition()
    alice, bob, chloe = create_user(), create_user(), create_user()
    first = create_proposal(edition=edition, author=alice)
    create_proposal(edition=edition, author=bob, status="withdrawn")
    create_proposal(edition=edition, author=create_user(), status="draft")
    hidden = create_proposal(edition=edition, author=create_user())
    hidden.hidden_at = utcnow()
    create_comment(proposal=first, author=chloe)
    create_comment(proposal=first, author=alice)
    create_comment(proposal=hidden, author=create_user())
    hidden_comment = create_comment(proposal=first, author=create_user())
    hidden_comment.hidden_at = utcnow()
    create_proposal(author=create_user())  # another edition
    db.session.commit()
    counts = edition_counts(edition)
    assert (counts.proposals, counts.comments, counts.contributors) == (2, 2, 3)


def test_the_counts_appear_on_the_page(client):
    _english_visitor(client)
    edition = create_edition()
    proposal = create_proposal(edition=edition)
    create_comment(proposal=proposal)
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "1 project proposed" in page and "1 comment" in page and "2 contributors" in page


def test_the_list_groups_editions_as_in_progress_upcoming_and_finished_by_their_calendar(client):
    _english_visitor(client)
    assert "No edition has been published yet" in client.get("/editions").get_data(as_text=True)
    past = create_edition(name="BP 2024", year=2024, open_phase=None)
    current = create_edition(name="BP 2026", year=2026)
    upcoming = create_edition(name="BP 2027", year=2027)
    for phase in upcoming.phases:
        phase.starts_at += timedelta(days=400)
        phase.ends_at += timedelta(days=400)
    db.session.commit()
    create_edition(name="BP brouillon", published=False)
    page = client.get("/editions").get_data(as_text=True)
    headings = [page.index(f'id="{group}-title"') for group in ("in_progress", "upcoming", "finished")]
    assert headings == sorted(headings)
    assert headings[0] < page.index("BP 2026") < headings[1] < page.index("BP 2027") < headings[2]
    assert headings[2] < page.index("BP 2024")
    for edition in (current, past, upcoming):
        assert f'href="/editions/{edition.slug}"' in page
    assert "BP brouillon" not in page and "Submission of projects" in page
    assert "Starts on" in page and "Until" in page


def test_markup_typed_by_staff_is_never_rendered(client, login_as):
    admin = login_as(Role.ADMIN, locale="en")
    district = create_district(name=XSS)
    token = csrf_token(client, "/admin/editions/new")
    payload = edition_payload(
        token,
        name=XSS,
        description=XSS,
        rules_text=XSS,
        themes=XSS,
        published="y",
        **{f"district_{district.id}": "y"},
    )
    assert client.post("/admin/editions/new", data=payload).status_code == 303
    edition = db.session.query(Edition).one()
    create_proposal(edition=edition, author=admin).theme_id = edition.themes[0].id
    db.session.commit()
    # Refusals quote district and theme names: they must be escaped too.
    refused = edition_payload(
        token,
        name=XSS,
        themes="",
        envelope="1",
        **{f"district_{district.id}": "y", f"district_{district.id}_envelope": "2"},
    )
    pages = {
        "admin list": client.get("/admin/editions"),
        "admin form": client.get(f"/admin/editions/{edition.id}/edit"),
        "refused form": client.post(f"/admin/editions/{edition.id}/edit", data=refused),
        "public list": client.get("/editions"),
        "public page": client.get(f"/editions/{edition.slug}"),
    }
    assert pages["refused form"].status_code == 422
    assert "Proposals use the theme" in pages["refused form"].get_data(as_text=True)
    for where, response in pages.items():
        body = response.get_data(as_text=True)
        assert "<svg onload" not in body, where
        assert "&lt;svg onload=alert(1)&gt;" in body, where
