"""Filling in a ballot over HTTP: every format, the live basket, refusals in plain words, the kept draft."""

from __future__ import annotations

from flask import Flask

from civic.accounts.roles import Role
from civic.extensions import db
from civic.voting import ballot as services
from civic.voting.ballot_rules import BallotFormat, BallotScope, Settings
from tests.conftest import csrf_token
from tests.factories import create_district, create_edition, create_user
from tests.voting.test_ballot_building import feasible

HX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}


def _ballot(app: Flask, **settings):
    """An edition in its vote with one town-wide ballot of three projects (300, 200 and 100 €, 400 € envelope)."""
    nord = create_district(name="Nord")
    edition = create_edition(districts=[nord], open_phase="vote")
    edition.envelope_cents = 400_00
    db.session.commit()
    projects = [
        feasible(edition, nord, title=title, cost=cost)
        for title, cost in (("Jardin", 300_00), ("Bancs", 200_00), ("Fontaine", 100_00))
    ]
    admin = create_user(roles=(Role.ADMIN,))
    values = {"scope": BallotScope.EDITION, **settings}
    services.save_settings(actor=admin, edition=edition, settings=Settings(**values))
    (pool,) = services.build_all_ballots(actor=admin, edition=edition)
    db.session.commit()
    ids = {vpp.proposal.title: vpp.id for vpp in pool.projects}
    return edition, pool, ids, projects


def _url(edition, pool, tail=""):
    return f"/editions/{edition.slug}/vote/{pool.id}{tail}"


def test_a_knapsack_basket_shows_what_is_left_and_refuses_over_budget(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.KNAPSACK)
    login_as(locale="en")
    token = csrf_token(client, _url(edition, pool))
    live = client.post(
        _url(edition, pool),
        data={"csrf_token": token, "project": [ids["Bancs"], ids["Fontaine"]]},
        headers=HX,
    )
    html = live.get_data(as_text=True)
    assert live.status_code == 200 and html.lstrip().startswith('<section id="basket"')
    assert "total €300, €100 left of €400" in html and "Your ballot can be cast." in html
    over = client.post(
        _url(edition, pool), data={"csrf_token": token, "project": [ids["Jardin"], ids["Bancs"]]}
    )
    page = over.get_data(as_text=True)
    assert over.status_code == 422 and "costs €100 more than the envelope" in page
    assert f'value="{ids["Jardin"]}" checked' in page  # the choice is kept
    ok = client.post(
        _url(edition, pool), data={"csrf_token": token, "project": [ids["Jardin"], ids["Fontaine"]]}
    )
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/vote/review")
    review = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Jardin" in review and "Fontaine" in review and "Bancs" not in review
    # The draft survives leaving the page.
    again = client.get(_url(edition, pool)).get_data(as_text=True)
    assert f'value="{ids["Jardin"]}" checked' in again


def test_k_approval_counts_the_choices(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.K_APPROVAL, min_choices=2, max_choices=2)
    login_as(locale="en")
    token = csrf_token(client, _url(edition, pool))
    one = client.post(_url(edition, pool), data={"csrf_token": token, "project": [ids["Bancs"]]})
    assert one.status_code == 422 and "Choose at least 2 projects." in one.get_data(as_text=True)
    three = client.post(_url(edition, pool), data={"csrf_token": token, "project": list(ids.values())})
    assert three.status_code == 422 and "Choose at most 2 projects." in three.get_data(as_text=True)


def test_cumulative_points_are_checked_per_project_and_in_all(client, login_as, app):
    edition, pool, ids, _ = _ballot(
        app,
        ballot_format=BallotFormat.CUMULATIVE,
        counting_rule="greedy",
        total_points=10,
        max_points_per_project=6,
    )
    login_as(locale="en")
    token = csrf_token(client, _url(edition, pool))
    form = {"csrf_token": token, f"points-{ids['Jardin']}": "7", f"points-{ids['Bancs']}": "5"}
    page = client.post(_url(edition, pool), data=form).get_data(as_text=True)
    assert (
        "Jardin: at most 6 points per project." in page and "You gave 12 points: at most 10 in all." in page
    )
    typo = client.post(_url(edition, pool), data={"csrf_token": token, f"points-{ids['Jardin']}": "deux"})
    assert typo.status_code == 422 and "Type a whole number" in typo.get_data(as_text=True)
    assert 'value="deux"' in typo.get_data(as_text=True)
    ok = client.post(
        _url(edition, pool),
        data={"csrf_token": token, f"points-{ids['Jardin']}": "6", f"points-{ids['Fontaine']}": "4"},
    )
    assert ok.status_code == 303
    review = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "6 points" in review and "4 points" in review


def test_a_ranking_is_read_in_rank_order_and_ties_are_refused(client, login_as, app):
    edition, pool, ids, _ = _ballot(
        app, ballot_format=BallotFormat.RANKING, counting_rule="greedy", ranking_length=2
    )
    login_as(locale="en")
    token = csrf_token(client, _url(edition, pool))
    tie = client.post(
        _url(edition, pool),
        data={"csrf_token": token, f"rank-{ids['Jardin']}": "1", f"rank-{ids['Bancs']}": "1"},
    )
    assert tie.status_code == 422 and "Two projects have rank 1" in tie.get_data(as_text=True)
    long = client.post(
        _url(edition, pool),
        data={"csrf_token": token, **{f"rank-{i}": str(n) for n, i in enumerate(ids.values(), 1)}},
    )
    assert "Rank at most 2 projects." in long.get_data(as_text=True)
    ok = client.post(
        _url(edition, pool),
        data={"csrf_token": token, f"rank-{ids['Fontaine']}": "1", f"rank-{ids['Jardin']}": "2"},
    )
    review = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert review.index("Fontaine") < review.index("Jardin")


def test_filling_needs_an_account_and_a_real_ballot(client, app, login_as):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    for path in (
        _url(edition, pool),
        f"/editions/{edition.slug}/vote/review",
        f"/editions/{edition.slug}/vote",
    ):
        assert client.get(path).status_code in (302, 303)
    login_as()
    assert client.get(f"/editions/{edition.slug}/vote/999999").status_code == 404


def test_a_ballot_post_without_csrf_is_refused(client, login_as, app):
    edition, pool, ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    login_as()
    assert client.post(_url(edition, pool), data={"project": [ids["Bancs"]]}).status_code == 400


def test_review_without_a_valid_draft_goes_back_to_the_ballot(client, login_as, app):
    edition, _pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    login_as()
    answer = client.get(f"/editions/{edition.slug}/vote/review")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/editions/{edition.slug}/vote")


def test_an_empty_ballot_posted_says_what_to_do_at_the_top(client, login_as, app):
    edition, pool, _ids, _ = _ballot(app, ballot_format=BallotFormat.APPROVAL)
    login_as(locale="en")
    token = csrf_token(client, _url(edition, pool))
    # While filling in (htmx), an empty ballot is not yet wrong; posted, it is, and the summary says why.
    live = client.post(_url(edition, pool), data={"csrf_token": token}, headers=HX).get_data(as_text=True)
    assert "Choose at least 1 project." not in live and "error-summary" not in live
    # ... and a live update empties the summary of an earlier refused post (out of band).
    assert '<div id="ballot-errors" hx-swap-oob="true"></div>' in live
    posted = client.post(_url(edition, pool), data={"csrf_token": token})
    html = posted.get_data(as_text=True)
    assert posted.status_code == 422 and 'class="error-summary" role="alert"' in html
    summary = html[html.index("error-summary") : html.index("</div>", html.index("error-summary"))]
    assert "Choose at least 1 project." in summary


def test_a_typing_error_is_listed_in_the_summary_and_linked_to_its_field(client, login_as, app):
    edition, pool, ids, _ = _ballot(
        app, ballot_format=BallotFormat.RANKING, counting_rule="greedy", ranking_length=2
    )
    login_as(locale="en")
    token = csrf_token(client, _url(edition, pool))
    answer = client.post(_url(edition, pool), data={"csrf_token": token, f"rank-{ids['Bancs']}": "un"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f'href="#rank-{ids["Bancs"]}">Bancs: Type a whole number' in html
    assert 'value="un"' in html and 'type="text"' in html  # kept as typed: the field takes any text
