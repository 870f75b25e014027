"""Every staff action is audited; holder replies are rate-limited; a "not feasible" keeps its comments."""

from __future__ import annotations

from sqlalchemy import select

from civic.analysis import services
from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.proposals.statuses import IN_THE_RUNNING
from tests.analysis.factories import NOT_FEASIBLE, create_review, manager_user
from tests.conftest import csrf_token, log_in
from tests.factories import create_edition


def test_every_step_of_a_review_is_in_the_audit_log(app):
    review = create_review(state="published", reply="Merci")
    services.add_note(actor=review.analysts[0].user, review=review, body="Interne")
    db.session.commit()
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(review.id))))
    assert {
        "analysis.open",
        "analysis.assign",
        "analysis.save",
        "analysis.submit",
        "analysis.reply",
        "analysis.validate",
        "analysis.publish",
        "analysis.note",
    } <= actions
    status = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "proposal.status", AuditEntry.target_id == str(review.proposal_id)
        )
    )
    assert status is not None and status.actor_id == review.published_by_id


def test_settings_services_and_merges_are_audited(app):
    edition = create_edition(open_phase="analysis")
    manager = manager_user()
    services.set_reply_days(actor=manager, edition=edition, reply_days=7)
    services.create_service(actor=manager, name="Voirie")
    db.session.commit()
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == manager.id)))
    assert {"analysis.settings", "analysis.service_create"} <= actions


def test_holder_replies_are_rate_limited(app, client):
    app.config["ANALYSIS_REPLY_RATE_LIMIT"] = "2 per hour"
    review = create_review(state="submitted")
    log_in(client, review.proposal.author)
    url = f"/proposals/{review.proposal_id}"
    token = csrf_token(client, url)
    codes = [
        client.post(f"{url}/analysis/reply", data={"csrf_token": token, "body": f"Réponse {i}"}).status_code
        for i in range(3)
    ]
    assert codes == [303, 303, 429]


def test_a_published_not_feasible_leaves_the_running_and_keeps_its_comments(app, client):
    review = create_review(state="published", data=NOT_FEASIBLE, submitted_days_ago=20)
    proposal = review.proposal
    assert proposal.status not in IN_THE_RUNNING  # supports and votes refuse it
    log_in(client, proposal.author)
    url = f"/proposals/{proposal.id}"
    token = csrf_token(client, url)
    response = client.post(f"{url}/comments", data={"csrf_token": token, "body": "Dommage, mais merci."})
    assert response.status_code in (200, 303)
    assert "Dommage, mais merci." in client.get(url).get_data(as_text=True)
