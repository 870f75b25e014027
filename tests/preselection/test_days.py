"""Pre-selection days: session, decisions applied through the status rules, minutes, safe attachments."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.preselection.models import PreselectionSession, SessionAttachment
from civic.preselection.rules import SupportMode
from civic.proposals.models import ProposalStatus
from tests.conftest import csrf_token
from tests.preselection.helpers import preselection_edition, proposals

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _day(client, edition, token) -> PreselectionSession:
    response = client.post(
        f"/staff/editions/{edition.slug}/preselection/days/new",
        data={
            "csrf_token": token,
            "held_at": "2026-03-14T10:00",
            "place": "Salle des fêtes",
            "jury_size": "24",
            "minutes": "## Ouverture\n\nLe jury a **débattu**.",
        },
    )
    assert response.status_code == 303
    return db.session.scalar(select(PreselectionSession).where(PreselectionSession.edition_id == edition.id))


def test_a_day_records_decisions_through_the_status_rules_with_public_reasons(client, login_as):
    edition, (north, _south) = preselection_edition(mode=SupportMode.PRESELECTION_DAY)
    retained, refused = proposals(edition, 2, north)
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, f"/staff/editions/{edition.slug}/preselection/days/new")
    session = _day(client, edition, token)
    url = f"/staff/preselection/days/{session.id}/decisions"
    missing = client.post(url, data={"csrf_token": token, "proposal_id": str(refused.id), "retained": "no"})
    assert missing.status_code == 422 and "public reason" in missing.get_data(as_text=True)
    assert (
        client.post(
            url, data={"csrf_token": token, "proposal_id": str(retained.id), "retained": "yes"}
        ).status_code
        == 303
    )
    reason = "Le jury le juge trop proche du projet déjà financé."
    assert (
        client.post(
            url,
            data={
                "csrf_token": token,
                "proposal_id": str(refused.id),
                "retained": "no",
                "public_reason": reason,
            },
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert retained.status is ProposalStatus.PRESELECTED
    assert (
        refused.status is ProposalStatus.NOT_PRESELECTED
        and refused.status_changes[-1].public_reason == reason
    )
    page = client.get(f"/editions/{edition.slug}/preselection/days/{session.id}").get_data(as_text=True)
    assert "<strong>débattu</strong>" in page and "24 people" in page and reason in page
    timeline = client.get(f"/proposals/{refused.id}").get_data(as_text=True)
    assert "pre-selection day in Salle des fêtes (a jury of 24 people)" in timeline


def test_attachments_accept_pdf_and_images_and_are_served_with_safe_headers(client, login_as):
    edition, _districts = preselection_edition(mode=SupportMode.PRESELECTION_DAY)
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, f"/staff/editions/{edition.slug}/preselection/days/new")
    session = _day(client, edition, token)
    url = f"/staff/preselection/days/{session.id}/attachments"
    for payload, name in ((PDF, "compte-rendu.pdf"), (_png(), "photo.png")):
        response = client.post(
            url,
            data={"csrf_token": token, "file": (io.BytesIO(payload), name), "title": name},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    bad = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(b"<script>alert(1)</script>"), "x.html")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "not a PDF" in bad.get_data(as_text=True)
    stored = db.session.scalars(select(SessionAttachment).order_by(SessionAttachment.id)).all()
    assert [a.content_type for a in stored] == ["application/pdf", "image/jpeg"]
    assert all(a.stored_name not in ("compte-rendu.pdf", "photo.png") for a in stored)
    pdf = client.get(f"/preselection/attachments/{stored[0].id}")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in pdf.headers["Content-Security-Policy"]
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    pdf.close()
    image = client.get(f"/preselection/attachments/{stored[1].id}")
    assert image.headers["Content-Disposition"].startswith("inline") and image.mimetype == "image/jpeg"
    image.close()


def test_online_editions_have_no_day(client, login_as):
    edition, _districts = preselection_edition()
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, f"/staff/editions/{edition.slug}/preselection/days/new")
    response = client.post(
        f"/staff/editions/{edition.slug}/preselection/days/new",
        data={"csrf_token": token, "held_at": "2026-03-14T10:00", "place": "Mairie", "jury_size": "12"},
    )
    assert response.status_code == 409
