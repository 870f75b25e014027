"""Qualification at the end of the phase: stored with its snapshot, published per district, overridden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.errors import Conflict, PermissionDenied
from civic.core.mail import outbox as sent_mail
from civic.core.time import utcnow
from civic.extensions import db
from civic.preselection.models import QualificationRun
from civic.preselection.qualification import override_result, run_qualification
from civic.preselection.rules import ThresholdKind, TieRule
from civic.processes.models import Phase
from civic.processes.phases import PhaseKind
from civic.proposals.models import ProposalStatus
from tests.conftest import csrf_token
from tests.factories import create_user
from tests.preselection.helpers import preselection_edition, proposals, resident, support_all


def _close_phase(edition) -> None:
    phase = db.session.scalar(
        select(Phase).where(Phase.edition_id == edition.id, Phase.kind == PhaseKind.PRESELECTION)
    )
    phase.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def _edition_with_supports(threshold: int = 2):
    edition, (north, south) = preselection_edition(
        per_person_cap=5, threshold_kind=ThresholdKind.ABSOLUTE, threshold_value=threshold
    )
    strong, weak = proposals(edition, 2, north)
    (southern,) = proposals(edition, 1, south)
    people = [resident(north) for _ in range(3)]
    for person in people:
        support_all(person, [strong])
    support_all(people[0], [weak, southern])
    _close_phase(edition)
    return edition, strong, weak, southern


def test_qualification_moves_proposals_with_a_public_reason_and_keeps_a_snapshot(app):
    edition, strong, weak, _southern = _edition_with_supports(threshold=2)
    admin = create_user(roles=(Role.ADMIN, Role.RESIDENT))
    run = run_qualification(actor=admin, edition=edition)
    db.session.commit()
    db.session.expire_all()
    assert strong.status is ProposalStatus.PRESELECTED
    assert weak.status is ProposalStatus.NOT_PRESELECTED
    assert weak.status_changes[-1].public_reason == "1 soutien, rang 2 sur 2\u00a0; le seuil était de 2."
    snapshot = db.session.get(QualificationRun, run.id).snapshot
    assert snapshot[str(strong.district_id)]["supports"] == {str(strong.id): 3, str(weak.id): 1}
    assert snapshot[str(strong.district_id)]["rule"]["threshold_value"] == 2
    # Run here, in the test's own app: its captured mail is that app's outbox.
    assert {m.to for m in sent_mail()} >= {strong.author.email, weak.author.email}


def test_qualification_waits_for_the_end_of_the_phase_and_runs_once(app):
    edition, (north, _south) = preselection_edition()
    proposals(edition, 1, north)
    admin = create_user(roles=(Role.ADMIN, Role.RESIDENT))
    with pytest.raises(Conflict):
        run_qualification(actor=admin, edition=edition)
    db.session.rollback()
    _close_phase(edition)
    run_qualification(actor=admin, edition=edition)
    db.session.commit()
    with pytest.raises(Conflict):
        run_qualification(actor=admin, edition=edition)


def test_results_page_shows_supports_rank_outcome_and_the_override_reason(client, login_as):
    edition, _strong, weak, _southern = _edition_with_supports(threshold=2)
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, f"/staff/editions/{edition.slug}/preselection/qualify")
    assert (
        client.post(
            f"/staff/editions/{edition.slug}/preselection/qualify", data={"csrf_token": token}
        ).status_code
        == 303
    )
    page = client.get(f"/editions/{edition.slug}/preselection/results").get_data(as_text=True)
    assert "3 supports, rank 1 of 2; the threshold was 2." in page
    assert "1 support, rank 2 of 2; the threshold was 2." in page
    result = db.session.scalar(
        select(QualificationRun).where(QualificationRun.edition_id == edition.id)
    ).results
    weak_result = next(r for r in result if r.proposal_id == weak.id)
    url = f"/staff/preselection/results/{weak_result.id}/override"
    assert client.post(url, data={"csrf_token": token, "public_reason": "court"}).status_code == 422
    reason = "The jury found a counting error at the town hall desk."
    assert client.post(url, data={"csrf_token": token, "public_reason": reason}).status_code == 303
    page = client.get(f"/editions/{edition.slug}/preselection/results").get_data(as_text=True)
    assert reason in page
    detail = client.get(f"/proposals/{weak.id}").get_data(as_text=True)
    assert reason in detail and "1 support, rank 2 of 2" in detail
    db.session.expire_all()
    assert weak.status is ProposalStatus.PRESELECTED


def test_an_override_needs_an_admin_and_happens_once(app):
    edition, _strong, _weak, southern = _edition_with_supports()
    admin = create_user(roles=(Role.ADMIN, Role.RESIDENT))
    run = run_qualification(actor=admin, edition=edition)
    db.session.commit()
    result = next(r for r in run.results if r.proposal_id == southern.id)
    with pytest.raises(PermissionDenied):
        override_result(actor=create_user(), result=result, public_reason="Une raison publique suffisante.")
    db.session.rollback()
    override_result(actor=admin, result=result, public_reason="Une raison publique suffisante.")
    db.session.commit()
    with pytest.raises(Conflict):
        override_result(actor=admin, result=result, public_reason="Une autre raison publique suffisante.")


def test_top_n_results_with_a_guaranteed_minimum_per_district(app):
    edition, (north, _south) = preselection_edition(
        per_person_cap=5,
        threshold_kind=ThresholdKind.TOP_N,
        threshold_value=1,
        guaranteed_minimum=2,
        tie_rule=TieRule.CHEAPER_FIRST,
    )
    items = proposals(edition, 3, north)
    support_all(resident(north), items[:1])
    _close_phase(edition)
    run = run_qualification(actor=create_user(roles=(Role.ADMIN,)), edition=edition)
    db.session.commit()
    assert sum(1 for r in run.results if r.qualified) == 2
    assert {r.reason.value for r in run.results if r.qualified} == {"in_top", "guaranteed_minimum"}
