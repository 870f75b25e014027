"""Submitting, editing and withdrawing proposals online, gated by the edition's calendar."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.extensions import db
from civic.processes.models import Phase
from civic.processes.phases import PhaseKind
from civic.proposals.models import Channel, Proposal, ProposalStatus
from tests.conftest import csrf_token, log_in
from tests.factories import create_district, create_edition, create_proposal, create_user

FORM = {
    "title": "Jardin partagé des Tilleuls",
    "summary": "Un jardin partagé au pied des immeubles, ouvert à tous.",
    "description": "Des bacs potagers, un composteur et un abri à outils pour les habitants.",
    "estimated_cost": "15 000",
    "address": "Square des Tilleuls",
}


def _post_new(client, edition, **extra):
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    return client.post(f"/editions/{edition.slug}/proposals/new", data={"csrf_token": token, **FORM, **extra})


def test_resident_submits_a_proposal_that_appears_in_the_list(client, login_as):
    district = create_district(name="Les Tilleuls")
    edition = create_edition(districts=[district])
    author = login_as()
    response = _post_new(client, edition, district_id=district.id)
    assert response.status_code == 303
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.status, proposal.channel, proposal.author_id) == (
        ProposalStatus.SUBMITTED,
        Channel.ONLINE,
        author.id,
    )
    assert proposal.estimated_cost_cents == 1_500_000 and proposal.reference.startswith("BP2026-")
    assert [s.status for s in proposal.status_changes] == [ProposalStatus.SUBMITTED]
    listing = client.get(f"/editions/{edition.slug}/proposals").get_data(as_text=True)
    assert "Jardin partagé des Tilleuls" in listing


def test_submission_refused_outside_the_submission_phase_then_allowed_when_moved(client, login_as):
    edition = create_edition(open_phase="vote")
    login_as()
    response = _post_new(client, edition)
    assert response.status_code == 403
    assert "dépôts sont clos" in response.get_data(as_text=True)
    assert db.session.scalar(select(Proposal)) is None
    # The administrator moves the calendar: submissions open again.
    phase = db.session.scalar(
        select(Phase).where(Phase.edition_id == edition.id, Phase.kind == PhaseKind.SUBMISSION)
    )
    vote = db.session.scalar(
        select(Phase).where(Phase.edition_id == edition.id, Phase.kind == PhaseKind.VOTE)
    )
    phase.starts_at, phase.ends_at = vote.starts_at, vote.ends_at + timedelta(days=1)
    db.session.commit()
    assert _post_new(client, edition).status_code == 303
    assert db.session.scalar(select(Proposal)) is not None


def test_draft_is_private_until_submitted(client, login_as, app):
    edition = create_edition()
    login_as()
    response = _post_new(client, edition, save_draft="1")
    proposal = db.session.scalar(select(Proposal))
    assert proposal.status is ProposalStatus.DRAFT and proposal.submitted_at is None
    other = app.test_client()
    assert other.get(f"/proposals/{proposal.id}").status_code == 404
    assert FORM["title"] not in other.get(f"/editions/{edition.slug}/proposals").get_data(as_text=True)
    token = csrf_token(client)
    assert client.post(f"/proposals/{proposal.id}/submit", data={"csrf_token": token}).status_code == 303
    assert other.get(f"/proposals/{proposal.id}").status_code == 200
    assert response.status_code == 303


def test_edits_produce_versions_and_the_page_says_edited(client, login_as):
    author = login_as()
    proposal = create_proposal(author=author, title="Premier titre du projet")
    token = csrf_token(client, f"/proposals/{proposal.id}/edit")
    for title in ("Deuxième titre du projet", "Troisième titre du projet"):
        response = client.post(
            f"/proposals/{proposal.id}/edit", data={"csrf_token": token, **FORM, "title": title}
        )
        assert response.status_code == 303
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert [v.title for v in proposal.versions] == [
        "Premier titre du projet",
        "Deuxième titre du projet",
        "Troisième titre du projet",
    ]
    assert proposal.version_count == 3 and proposal.title == "Troisième titre du projet"
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "modifiée" in page or "historique" in page
    history = client.get(f"/proposals/{proposal.id}/history").get_data(as_text=True)
    assert "Premier titre du projet" in history and "Deuxième titre du projet" in history


def test_only_holders_edit_and_withdraw(client, login_as):
    proposal = create_proposal()
    login_as()
    token = csrf_token(client)
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={"csrf_token": token}).status_code == 403


def test_withdraw_keeps_the_proposal_visible_as_withdrawn(client, login_as):
    author = login_as()
    proposal = create_proposal(author=author)
    token = csrf_token(client)
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.WITHDRAWN


def test_invalid_input_comes_back_422_with_messages(client, login_as):
    edition = create_edition()
    login_as()
    response = _post_new(client, edition, title="abc", estimated_cost="beaucoup")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "error-summary" in body and 'aria-invalid="true"' in body


def test_district_of_another_edition_is_refused(client, login_as):
    edition = create_edition(districts=[create_district()])
    foreign = create_district()
    login_as()
    assert _post_new(client, edition, district_id=foreign.id).status_code == 422


def test_co_author_must_accept_before_counting(client, login_as, app, outbox):
    author = login_as()
    proposal = create_proposal(author=author)
    friend = create_user(email="friend@example.org")
    token = csrf_token(client)
    assert (
        client.post(
            f"/proposals/{proposal.id}/coauthors", data={"csrf_token": token, "email": "friend@example.org"}
        ).status_code
        == 303
    )
    assert outbox[-1].to == "friend@example.org"
    db.session.expire_all()
    assert friend.id not in db.session.get(Proposal, proposal.id).holder_ids()
    other = app.test_client()
    log_in(other, friend)
    invitation = db.session.get(Proposal, proposal.id).coauthors[0]
    other_token = csrf_token(other)
    assert (
        other.post(f"/coauthors/{invitation.id}/accept", data={"csrf_token": other_token}).status_code == 303
    )
    db.session.expire_all()
    assert friend.id in db.session.get(Proposal, proposal.id).holder_ids()
    assert other.get(f"/proposals/{proposal.id}/edit").status_code == 200
