"""The results table says what each rule ranked by; rules that cannot count a ballot kind are not
offered (nor accepted); imported elections say where they come from."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.results.models import TallyRun
from civic.results.services import publish_run
from tests.conftest import csrf_token
from tests.factories import create_edition, create_tally_run, create_user, create_vote_pool

CUMULATIVE = """META
key;value
description;Points test election
country;Poland
unit;Pointstown
instance;2024
budget;100
vote_type;cumulative
rule;greedy
currency;EUR
PROJECTS
project_id;cost;name
a;60;Aire de jeux
b;50;Bancs
c;40;Composteur
VOTES
voter_id;vote;points
1;a,b;7,3
2;b,c;5,5
3;c;10
"""


@pytest.fixture
def english(client):
    def _as(role: Role):
        user = create_user(roles=(role, Role.RESIDENT), locale="en")
        from tests.conftest import log_in

        log_in(client, user)
        return user

    return _as


def _page(client, pool, tab: str = "") -> str:
    suffix = "?tab=compare" if tab else ""
    return client.get(f"/editions/{pool.edition.slug}/results{suffix}").get_data(as_text=True)


def test_count_form_offers_only_the_rules_that_can_count_the_ballots(client, english):
    pool = create_vote_pool(text=CUMULATIVE)
    english(Role.ANALYST)
    page = client.get(f"/staff/editions/{pool.edition.slug}/counts").get_data(as_text=True)
    assert 'value="greedy"' in page and 'value="official"' in page
    assert 'value="mes"' not in page and 'value="phragmen"' not in page
    assert "Only the rules that can count points ballots" in page
    token = csrf_token(client, f"/staff/editions/{pool.edition.slug}/counts")
    refused = client.post(f"/staff/pools/{pool.id}/runs", data={"csrf_token": token, "rule": "mes"})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TallyRun)) == 0


def test_greedy_column_shows_votes_and_says_so(client, english):
    pool = create_vote_pool()
    run = create_tally_run(pool=pool, rule="greedy")
    publish_run(actor=create_user(roles=(Role.ADMIN,)), run=run)
    db.session.commit()
    english(Role.RESIDENT)
    page = _page(client, pool)
    assert "Votes received (the rule takes the most voted first)" in page
    assert "Votes or score" not in page
    # "Aire de jeux" has 2 approvals: the cell shows the votes the rule ranked by.
    row = page[page.index("Aire de jeux") :]
    # Labelled for the phone layout, where each cell shows its column's name.
    assert (
        'data-label="Votes received (the rule takes the most voted first)">2</td>'
        in row[: row.index("</tr>")]
    )


def test_points_ballots_show_points(client, english):
    pool = create_vote_pool(text=CUMULATIVE)
    run = create_tally_run(pool=pool, rule="greedy")
    publish_run(actor=create_user(roles=(Role.ADMIN,)), run=run)
    db.session.commit()
    english(Role.RESIDENT)
    page = _page(client, pool)
    assert "Points received (the rule takes the most points first)" in page
    row = page[page.index("Composteur") :]
    assert (
        'data-label="Points received (the rule takes the most points first)">15</td>'
        in row[: row.index("</tr>")]
    )  # 5 + 10 points
    compare = _page(client, pool, tab="compare")
    assert "This rule cannot count points ballots" in compare
    assert "Not computed yet" not in compare


def test_equal_shares_column_shows_round_and_price_per_supporter(client, english):
    pool = create_vote_pool()
    run = create_tally_run(pool=pool, rule="mes")
    publish_run(actor=create_user(roles=(Role.ADMIN,)), run=run)
    db.session.commit()
    english(Role.RESIDENT)
    page = _page(client, pool)
    assert "Round in which it was bought, and what each supporter paid" in page
    assert "round 1: €30.00 each" in page  # "Aire de jeux" costs 60, paid by its 2 supporters


def test_imported_elections_say_their_city_and_data_source(client, english):
    pool = create_vote_pool(text=CUMULATIVE)
    town = create_edition(open_phase="results")
    english(Role.RESIDENT)
    label = "Pointstown 2024 — real election imported from Pabulib (pabulib.org)"
    for path in (f"/editions/{pool.edition.slug}", f"/editions/{pool.edition.slug}/results"):
        page = client.get(path).get_data(as_text=True)
        assert label in page and "Points test election" in page and "Poland" in page, path
        assert "not one of this town" in page
    assert "real election imported" not in client.get(f"/editions/{town.slug}").get_data(as_text=True)
    french = create_user(locale="fr")
    from tests.conftest import log_in

    log_in(client, french)
    page = client.get(f"/editions/{pool.edition.slug}").get_data(as_text=True)
    assert "Pointstown 2024 — vote réel importé de Pabulib (pabulib.org)" in page


def test_demo_imports_toulouse_and_assen_labelled_and_published(app):
    from civic.demo import REAL_ELECTIONS, seed_real_elections
    from civic.processes.models import Edition
    from civic.results.queries import imported_source, pools_of, published_run

    seed_real_elections(create_user(roles=(Role.ADMIN,)))
    cities = []
    for _file, name in REAL_ELECTIONS:
        edition = db.session.scalar(select(Edition).where(Edition.name == name))
        cities.append(imported_source(edition).city)
        # The official count is published, in the results phase the import opened.
        assert all(published_run(pool) is not None for pool in pools_of(edition))
    assert cities == ["Toulouse", "Assen"]


def test_a_count_that_crashes_is_failed_with_a_reason_not_left_counting(client, english, monkeypatch):
    from civic.results import services

    pool = create_vote_pool()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "count_pool", broken)
    run = create_tally_run(pool=pool, rule="greedy")
    assert run.state.value == "failed" and run.error_code == "internal_error"
    english(Role.ANALYST)
    page = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert "The count stopped on an unexpected error" in page and "disk on fire" not in page
