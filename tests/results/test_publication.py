"""Publishing a count sets every proposal of the ballot to selected / not selected (with the count's
reason, in the edition's language) on its public timeline; re-publishing and withdrawing update them;
publishing asks for confirmation, only in the results phase, and everything is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Phase
from civic.processes.phases import PhaseKind
from civic.proposals.models import ProposalStatus, StatusChange
from civic.results.models import TallyRun
from tests.conftest import csrf_token
from tests.factories import create_tally_run, create_user, create_vote_pool


def _by_ref(pool):
    return {vpp.external_id: vpp.proposal for vpp in pool.projects}


def _publish(client, run_id: int):
    token = csrf_token(client, f"/staff/runs/{run_id}/publish")
    return client.post(f"/staff/runs/{run_id}/publish", data={"csrf_token": token, "confirmed": "yes"})


def _timeline(proposal) -> list[StatusChange]:
    return list(
        db.session.scalars(
            select(StatusChange).where(StatusChange.proposal_id == proposal.id).order_by(StatusChange.id)
        )
    )


def test_publishing_sets_statuses_with_the_counts_reasons_in_the_editions_language(client, login_as, outbox):
    pool = create_vote_pool()
    author = create_user(locale="en")
    projects = _by_ref(pool)
    projects["b"].author_id = author.id
    db.session.commit()
    run = create_tally_run(pool=pool, rule="greedy")
    # The staff member reads English; the public record is written in the town's language (French).
    admin = login_as(Role.ADMIN, locale="en")
    response = _publish(client, run.id)
    assert response.status_code == 303
    db.session.expire_all()
    projects = _by_ref(pool)
    assert projects["a"].status is ProposalStatus.SELECTED
    assert projects["c"].status is ProposalStatus.SELECTED
    assert projects["b"].status is ProposalStatus.NOT_SELECTED
    reason = _timeline(projects["b"])[-1].public_reason
    assert reason.startswith("Non retenu par le dépouillement publié") and "il restait" in reason, reason
    assert "Retenu par le dépouillement publié" in _timeline(projects["a"])[-1].public_reason
    # Its author is told, in their own language.
    mail = [m for m in outbox if m.to == author.email]
    assert len(mail) == 1 and mail[0].locale == "en" and "Not selected" in mail[0].subject
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.publish"))
    assert entry.actor_id == admin.id and entry.after["run"] == run.id
    # The public page of a proposal shows the step.
    page = client.get(f"/proposals/{projects['b'].id}").get_data(as_text=True)
    assert "Non retenu par le dépouillement publié" in page


def test_publishing_asks_for_confirmation_with_a_danger_button(client, login_as):
    pool = create_vote_pool()
    run = create_tally_run(pool=pool, rule="greedy")
    login_as(Role.ADMIN, locale="en")
    run_page = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert f'href="/staff/runs/{run.id}/publish"' in run_page
    assert f'action="/staff/runs/{run.id}/publish"' not in run_page
    confirm = client.get(f"/staff/runs/{run.id}/publish").get_data(as_text=True)
    assert 'class="danger"' in confirm and 'name="confirmed" value="yes"' in confirm
    assert "Yes, publish this result" in confirm
    token = csrf_token(client, f"/staff/runs/{run.id}/publish")
    # A post that skipped the confirmation page publishes nothing and leads to it.
    skipped = client.post(f"/staff/runs/{run.id}/publish", data={"csrf_token": token})
    assert skipped.status_code == 303 and skipped.headers["Location"].endswith(
        f"/staff/runs/{run.id}/publish"
    )
    db.session.expire_all()
    assert db.session.get(TallyRun, run.id).published_at is None
    assert all(p.status is not ProposalStatus.SELECTED for p in _by_ref(pool).values())


def test_publishing_is_refused_outside_the_results_phase(client, login_as):
    pool = create_vote_pool()
    run = create_tally_run(pool=pool, rule="greedy")
    now = utcnow()
    edition = pool.edition
    edition.phases.clear()
    db.session.flush()
    edition.phases.append(
        Phase(kind=PhaseKind.VOTE, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=5))
    )
    edition.phases.append(
        Phase(kind=PhaseKind.RESULTS, starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=30))
    )
    db.session.commit()
    login_as(Role.ADMIN, locale="en")
    assert _publish(client, run.id).status_code == 409
    db.session.expire_all()
    assert db.session.get(TallyRun, run.id).published_at is None
    assert _by_ref(pool)["a"].status is ProposalStatus.ON_BALLOT


def test_republishing_a_different_count_updates_statuses_and_keeps_the_trail(client, login_as):
    pool = create_vote_pool()
    greedy = create_tally_run(pool=pool, rule="greedy")
    mes = create_tally_run(pool=pool, rule="mes")
    assert greedy.outcome["selected"] == ["a", "c"] and mes.outcome["selected"] == ["a"]
    login_as(Role.ADMIN)
    assert _publish(client, greedy.id).status_code == 303
    db.session.expire_all()
    before = {ref: len(_timeline(p)) for ref, p in _by_ref(pool).items()}
    assert _publish(client, mes.id).status_code == 303
    db.session.expire_all()
    projects = _by_ref(pool)
    assert projects["a"].status is ProposalStatus.SELECTED
    assert projects["c"].status is ProposalStatus.NOT_SELECTED
    # New steps were added (the reasons name the new rule); none was removed.
    assert all(len(_timeline(p)) == before[ref] + 1 for ref, p in projects.items())
    assert [s.status for s in _timeline(projects["c"])][-2:] == [
        ProposalStatus.SELECTED,
        ProposalStatus.NOT_SELECTED,
    ]
    assert "parts égales" in _timeline(projects["a"])[-1].public_reason
    old = db.session.get(TallyRun, greedy.id)
    assert old.withdrawn_at is not None and old.replaced_by_id == mes.id
    page = client.get(f"/editions/{pool.edition.slug}/results").get_data(as_text=True)
    assert "remplacé le" in page and f"par le dépouillement n°\u00a0{mes.id}" in page


def test_withdrawing_needs_a_public_reason_shown_in_the_trail_and_reverts_statuses(client, login_as, outbox):
    pool = create_vote_pool()
    author = create_user(locale="en")
    _by_ref(pool)["a"].author_id = author.id
    db.session.commit()
    run = create_tally_run(pool=pool, rule="greedy")
    admin = login_as(Role.ADMIN)
    assert _publish(client, run.id).status_code == 303
    form = client.get(f"/staff/runs/{run.id}/withdraw").get_data(as_text=True)
    assert 'class="danger"' in form and 'name="reason"' in form
    token = csrf_token(client, f"/staff/runs/{run.id}/withdraw")
    empty = client.post(f"/staff/runs/{run.id}/withdraw", data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TallyRun, run.id).withdrawn_at is None
    reason = "Des bulletins papier du bureau 3 n'avaient pas été comptés."
    response = client.post(f"/staff/runs/{run.id}/withdraw", data={"csrf_token": token, "reason": reason})
    assert response.status_code == 303
    db.session.expire_all()
    withdrawn = db.session.get(TallyRun, run.id)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_reason == reason
    page = client.get(f"/editions/{pool.edition.slug}/results").get_data(as_text=True)
    assert "retiré le" in page and reason.replace("'", "&#39;") in page
    projects = _by_ref(pool)
    assert all(p.status is ProposalStatus.ON_BALLOT for p in projects.values())
    last = _timeline(projects["a"])[-1]
    assert last.status is ProposalStatus.ON_BALLOT and reason in last.public_reason
    assert [s.status for s in _timeline(projects["a"])][-2] is ProposalStatus.SELECTED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.withdraw"))
    assert entry.actor_id == admin.id and entry.after["reason"] == reason
    assert [m.locale for m in outbox if m.to == author.email] == ["en", "en"]
    # A withdrawn count cannot come back as is, and a second withdrawal is refused.
    assert _publish(client, run.id).status_code == 409
    again = client.post(f"/staff/runs/{run.id}/withdraw", data={"csrf_token": token, "reason": "x"})
    assert again.status_code == 409


def test_only_admins_withdraw(client, login_as):
    pool = create_vote_pool()
    run = create_tally_run(pool=pool, rule="greedy")
    login_as(Role.ADMIN)
    assert _publish(client, run.id).status_code == 303
    login_as(Role.ANALYST)
    token = csrf_token(client, "/")
    response = client.post(f"/staff/runs/{run.id}/withdraw", data={"csrf_token": token, "reason": "non"})
    assert response.status_code == 403
