"""A proposal goes from submission to a built ballot through the web interface only; rejected ones say why.

Only the clock is moved by the test (the edition's calendar does the rest); every step is an HTTP request
of the person who would take it: residents submit and support, an admin runs the qualification, the
analysis manager opens and assigns the reviews, an analyst writes the verdicts, a holder answers, the
manager validates and publishes one batch, an admin sets the ballot and builds the district's ballot.
"""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.time import utcnow
from civic.extensions import db
from civic.proposals.models import Proposal, ProposalStatus
from civic.voting.models import VotePool
from tests.conftest import csrf_token, log_in
from tests.factories import create_district, create_edition, create_user

DAY = timedelta(days=1)


def _resident(district, **kwargs):
    user = create_user(locale="en", **kwargs)
    user.district_id = district.id
    db.session.commit()
    return user


def _submit(client, edition, district, title: str, cost: str) -> Proposal:
    url = f"/editions/{edition.slug}/proposals/new"
    data = {
        "csrf_token": csrf_token(client, url),
        "title": title,
        "summary": f"{title}: a short summary for the residents.",
        "description": "What it is, where, and for whom.",
        "estimated_cost": cost,
        "district_id": str(district.id),
    }
    assert client.post(url, data=data).status_code == 303
    return db.session.scalar(select(Proposal).where(Proposal.title == title))


def _post(client, url: str, page: str | None = None, **data) -> int:
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}).status_code


def _status(proposal: Proposal) -> ProposalStatus:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id).status


def _review_id(proposal: Proposal) -> int:
    from civic.analysis.models import Review

    return db.session.scalar(select(Review.id).where(Review.proposal_id == proposal.id))


def test_a_proposal_reaches_the_ballot_through_the_web_and_the_others_say_where_they_stopped(client):
    district = create_district(name="Les Tilleuls")
    start = utcnow()
    # Each phase lasts 30 days; submission opened yesterday (tests/factories.py).
    edition = create_edition(open_phase="submission", districts=[district])
    edition.districts[0].envelope_cents = 60_000_00
    db.session.commit()
    author = _resident(district, display_name="Awa Author")
    supporters = [_resident(district) for _ in range(3)]
    admin = create_user(roles=(Role.ADMIN, Role.RESIDENT), locale="en")
    manager = create_user(roles=(Role.ANALYSIS_MANAGER, Role.RESIDENT), locale="en")
    analyst = create_user(roles=(Role.ANALYST, Role.RESIDENT), locale="en", display_name="Ana Lyst")

    # Submission: the author proposes four projects.
    log_in(client, author)
    garden = _submit(client, edition, district, "Shared garden of Les Tilleuls", "15 000")
    bench = _submit(client, edition, district, "Benches along the canal", "4 000")
    tower = _submit(client, edition, district, "Observation tower on the hill", "40 000")
    lonely = _submit(client, edition, district, "A fountain nobody asked for", "9 000")
    assert {_status(p) for p in (garden, bench, tower, lonely)} == {ProposalStatus.SUBMITTED}

    # Before the pre-selection opens, the admin sets the support rule: 2 supports qualify.
    log_in(client, admin)
    rules = f"/staff/editions/{edition.slug}/preselection/rules"
    assert (
        _post(
            client,
            rules,
            per_person_cap="3",
            mode="online",
            threshold_kind="absolute",
            threshold="2",
            guaranteed_minimum="0",
            withdrawal="always",
            tie_rule="all_tied",
        )
        == 303
    )

    with time_machine.travel(start + 31 * DAY, tick=True):
        for person in supporters:
            log_in(client, person)
            for proposal in (garden, bench, tower):
                assert _post(client, f"/proposals/{proposal.id}/support", f"/proposals/{proposal.id}") == 303
        page = client.get(f"/proposals/{garden.id}").get_data(as_text=True)
        assert "3 supports" in page

    with time_machine.travel(start + 61 * DAY, tick=True):
        # The pre-selection is over: the admin qualifies, the manager opens and assigns the analysis.
        log_in(client, admin)
        assert _post(client, f"/staff/editions/{edition.slug}/preselection/qualify") == 303
        assert [_status(p) for p in (garden, bench, tower, lonely)] == [
            ProposalStatus.PRESELECTED,
            ProposalStatus.PRESELECTED,
            ProposalStatus.PRESELECTED,
            ProposalStatus.NOT_PRESELECTED,
        ]
        log_in(client, manager)
        overview = f"/staff/analysis/editions/{edition.slug}"
        assert _post(client, f"{overview}/open", overview) == 303
        for proposal in (garden, bench, tower):
            review = _review_id(proposal)
            url = f"/staff/analysis/reviews/{review}"
            assert _post(client, f"{url}/assign", url, analyst_ids=[str(analyst.id)], service_id="") == 303

        # The analyst writes three verdicts and sends them to the holders.
        log_in(client, analyst)
        verdicts = {
            garden: {"verdict": "feasible", "cost_low": "16 000", "cost_estimate": "18 000", "cost_high": "21 000"},
            bench: {
                "verdict": "feasible_with_changes",
                "cost_low": "3 000",
                "cost_estimate": "3 500",
                "cost_high": "4 000",
                "proposed_changes": "Wooden benches instead of stone ones.",
            },
            tower: {
                "verdict": "not_feasible",
                "reason_code": "legal",
                "cost_estimate": "90 000",
            },
        }
        for proposal, fields in verdicts.items():
            url = f"/staff/analysis/reviews/{_review_id(proposal)}"
            data = {
                "public_explanation": f"Opinion of the services on {proposal.title}.",
                "action": "submit",
                **fields,
            }
            assert _post(client, f"{url}/save", url, **data) == 303, proposal.title

        # The holder sees the draft verdicts on their proposals and accepts the proposed changes.
        log_in(client, author)
        draft = client.get(f"/proposals/{bench.id}").get_data(as_text=True)
        assert "Wooden benches instead of stone ones." in draft
        assert (
            _post(
                client,
                f"/proposals/{bench.id}/analysis/reply",
                f"/proposals/{bench.id}",
                body="Wooden benches are fine with us.",
                accepts_changes="y",
            )
            == 303
        )
        # The public sees no verdict before publication.
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        assert "not feasible" not in client.get(f"/proposals/{tower.id}").get_data(as_text=True).lower()

    with time_machine.travel(start + 80 * DAY, tick=True):
        # The reply windows have closed: the manager validates and publishes one batch.
        log_in(client, manager)
        for proposal in (garden, bench, tower):
            url = f"/staff/analysis/reviews/{_review_id(proposal)}"
            assert _post(client, f"{url}/validate", url) == 303, proposal.title
        publish = f"/staff/analysis/editions/{edition.slug}/publish"
        ids = [str(_review_id(p)) for p in (garden, bench, tower)]
        assert _post(client, publish, review_ids=ids, confirmed="yes") == 303
        assert [_status(p) for p in (garden, bench, tower)] == [
            ProposalStatus.FEASIBLE,
            ProposalStatus.FEASIBLE,
            ProposalStatus.NOT_FEASIBLE,
        ]

        # The admin chooses the ballot and builds the district's ballot from the feasible proposals.
        log_in(client, admin)
        settings = f"/staff/editions/{edition.slug}/ballot/settings"
        assert (
            _post(
                client,
                settings,
                ballot_format="approval",
                counting_rule="greedy",
                scope="per_district",
                districts_per_voter="own",
            )
            == 303
        )
        build = f"/staff/editions/{edition.slug}/ballot/districts/{district.id}"
        chosen = [str(garden.id), str(bench.id)]
        assert _post(client, build, step="preview", proposal=chosen) == 200
        assert _post(client, build, step="build", proposal=chosen) == 303

    db.session.expire_all()
    pool = db.session.scalar(select(VotePool).where(VotePool.edition_id == edition.id))
    # The ballot uses the analysed estimates, never the proposer's own figures.
    assert [(p.proposal_id, p.cost_cents) for p in pool.projects] == [
        (garden.id, 18_000_00),
        (bench.id, 3_500_00),
    ]
    assert [_status(p) for p in (garden, bench, tower, lonely)] == [
        ProposalStatus.ON_BALLOT,
        ProposalStatus.ON_BALLOT,
        ProposalStatus.NOT_FEASIBLE,
        ProposalStatus.NOT_PRESELECTED,
    ]

    # Anyone reads where each proposal stands and why, at the stage it stopped.
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    english = {"Accept-Language": "en"}
    on_ballot = client.get(f"/proposals/{garden.id}", headers=english).get_data(as_text=True)
    for words in ("Pre-selected", "3 supports", "Analysed: feasible", "18,000", "On the ballot"):
        assert words in on_ballot, words
    stopped = client.get(f"/proposals/{tower.id}", headers=english).get_data(as_text=True)
    assert "Analysed: not feasible" in stopped and "Opinion of the services on Observation tower" in stopped
    unsupported = client.get(f"/proposals/{lonely.id}", headers=english).get_data(as_text=True)
    assert "Not pre-selected" in unsupported and "the threshold was 2" in unsupported
    ballot = client.get(f"/editions/{edition.slug}/ballot", headers=english).get_data(as_text=True)
    assert garden.title in ballot and bench.title in ballot and tower.title not in ballot
