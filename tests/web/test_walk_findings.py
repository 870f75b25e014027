"""What a walk through the French pages found: punctuation glued to template text, a decimal point,
"1 décembre" in a stored reason, imported projects listed as front-desk work, the demo without its town."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.town import TownSettings
from civic.extensions import db
from civic.proposals.models import StatusChange
from civic.results.models import TallyRun
from civic.results.services import publish_run, withdraw_publication
from tests.conftest import csrf_token
from tests.factories import (
    create_comment,
    create_edition,
    create_proposal,
    create_report,
    create_tally_run,
    create_user,
)


def test_an_error_summary_does_not_put_a_colon_after_a_question(client, login_as):
    comment = create_comment()
    login_as(Role.RESIDENT)
    path = f"/moderation/report?target_type=comment&target_id={comment.id}"
    token = csrf_token(client, path)
    response = client.post(
        "/moderation/report",
        data={"csrf_token": token, "target_type": "comment", "target_id": str(comment.id)},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "?\u00a0:" not in summary and "? :" not in summary, summary
    assert "contenu\u00a0? Choisissez un motif." in summary, summary


def test_the_moderation_queue_counts_reasons_with_french_punctuation(client, login_as):
    create_report(reason="spam")
    login_as(Role.MODERATOR)
    html = client.get("/moderation").get_data(as_text=True)
    assert "Spam ou publicité\u00a0: 1" in html
    assert "Spam ou publicité: 1" not in html


def test_a_versions_cost_reads_with_french_punctuation(client):
    proposal = create_proposal()
    proposal.versions[0].estimated_cost_cents = 15_000_00
    db.session.commit()
    html = client.get(f"/proposals/{proposal.id}/history").get_data(as_text=True)
    assert "Coût estimé\u00a0:" in html
    assert "Coût estimé:" not in html


def test_a_counts_duration_uses_a_decimal_comma_in_french(client, login_as):
    run = create_tally_run()
    run.finished_at = run.started_at + timedelta(seconds=0.25)
    db.session.commit()
    login_as(Role.ADMIN)
    html = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert "0,25&nbsp;s" in html
    assert "0.25 s" not in html


def test_a_withdrawn_results_reason_writes_the_first_of_the_month_as_1er(app):
    run = create_tally_run()
    admin = create_user(roles=(Role.ADMIN,))
    publish_run(actor=admin, run=run)
    withdraw_publication(
        actor=admin, run=run, reason="Bulletins comptés deux fois.", now=datetime(2026, 12, 1, 12)
    )
    db.session.commit()
    pool = db.session.get(TallyRun, run.id).pool
    reasons = [
        db.session.scalars(
            select(StatusChange.public_reason)
            .where(StatusChange.proposal_id == vpp.proposal_id)
            .order_by(StatusChange.id.desc())
        ).first()
        for vpp in pool.projects
    ]
    assert reasons and all("le 1er décembre 2026" in r for r in reasons), reasons


def test_the_front_desk_lists_what_staff_recorded_not_imported_projects(client, login_as):
    edition = create_edition(name="Budget participatif 2026")
    clerk = login_as(Role.FRONT_DESK)
    recorded = create_proposal(edition=edition, channel="in_person", title="Banc devant la poste")
    recorded.recorded_by_id = clerk.id
    # Projects imported from a past election carry the in-person channel but nobody recorded them.
    create_proposal(edition=edition, channel="in_person", title="Gedichtenroute")
    db.session.commit()
    html = client.get("/front-desk").get_data(as_text=True)
    recent = html.split("front-desk-results", 1)[1]
    assert "Banc devant la poste" in recent
    assert "Gedichtenroute" not in recent
    # The edition's name is not glued to an English colon.
    assert "</strong>:" not in html


def test_the_demo_seed_names_the_town(app):
    result = app.test_cli_runner().invoke(args=["civic", "seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    settings = db.session.get(TownSettings, 1)
    assert settings is not None and settings.name == "Saint-Aubin-des-Communs"


def test_an_audit_log_entry_of_a_restore_reads_as_words(client, login_as):
    from civic.core import audit

    admin = login_as(Role.ADMIN)
    audit.record(actor_id=admin.id, action="moderation.restore", target_type="comment", target_id=1)
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Contenu remis en ligne par la modération" in html
    assert ">moderation.restore</option>" not in html


def test_the_proposal_list_sorts_projects_with_a_masculine_label(client):
    edition = create_edition()
    html = client.get(f"/editions/{edition.slug}/proposals").get_data(as_text=True)
    assert "Les plus récents" in html
    assert "Les plus récentes" not in html


def test_the_logo_hint_says_its_real_size_in_plain_words(client, login_as):
    login_as(Role.ADMIN)
    html = client.get("/admin/town").get_data(as_text=True)
    assert "40\u00a0pixels de haut" in html
    assert " rem " not in html
