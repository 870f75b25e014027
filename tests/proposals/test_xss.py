"""A script payload in every text field is never rendered unescaped."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import Proposal
from tests.conftest import csrf_token, log_in
from tests.factories import create_edition, create_user

XSS = '"><svg onload=alert(1)>'


def test_payload_in_every_field_is_escaped_everywhere(app, client):
    edition = create_edition()
    author = create_user(display_name=f"Auteur {XSS}")
    log_in(client, author)
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    response = client.post(
        f"/editions/{edition.slug}/proposals/new",
        data={
            "csrf_token": token,
            "title": f"Titre {XSS}",
            "summary": f"Résumé {XSS}",
            "description": f"Description {XSS} <script>alert(2)</script> [lien](javascript:alert(3))",
            "address": f"Adresse {XSS}",
        },
    )
    assert response.status_code == 303
    proposal = db.session.scalar(select(Proposal))
    client.post(
        f"/proposals/{proposal.id}/comments", data={"csrf_token": token, "body": f"Commentaire {XSS}"}
    )
    moderator = app.test_client()
    log_in(moderator, create_user(roles=(Role.MODERATOR, Role.ADMIN)))
    pages = [
        (client, f"/proposals/{proposal.id}"),
        (client, f"/proposals/{proposal.id}/history"),
        (client, f"/proposals/{proposal.id}/edit"),
        (client, f"/editions/{edition.slug}/proposals"),
        (client, f"/editions/{edition.slug}/proposals?q={XSS}"),
        (client, f"/editions/{edition.slug}/proposals?q=titre"),
        (client, "/account/invitations"),
        (moderator, "/admin/users"),
        (moderator, f"/admin/users?q={XSS}"),
    ]
    for visitor, url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            body = visitor.get(url, headers=headers).get_data(as_text=True)
            assert "<svg onload" not in body, url
            assert "<script>alert(2)" not in body, url
            assert 'href="javascript:' not in body, url
