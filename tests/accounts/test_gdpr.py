"""Personal-data export and account deletion."""

from __future__ import annotations

import json

from sqlalchemy import String, Text, inspect, select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core.audit import AuditEntry
from civic.extensions import db
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, create_district, create_user


def test_export_contains_the_persons_data(client, login_as):
    user = login_as(display_name="Zoé Export", email="zoe@example.org")
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["account"]["email"] == "zoe@example.org"
    assert data["account"]["display_name"] == "Zoé Export"
    assert [r["role"] for r in data["roles"]] == ["resident"]
    assert data["account"]["id"] == user.id


def _every_text_value() -> list[str]:
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            values.extend(str(v) for v in row if v is not None)
    return values


def test_deletion_removes_name_and_email_from_every_table(client, login_as):
    admin = create_user(roles=(Role.ADMIN,), display_name="Admin Person")
    user = login_as(display_name="Quentin Oubli", email="quentin.oubli@example.org")
    user.district = create_district()
    db.session.commit()
    # Give the person some history: a role granted by an admin (audited) and their own actions.
    from civic.accounts.services import grant_role

    grant_role(actor=admin, target=user, role=Role.FUNDER)
    db.session.commit()

    token = csrf_token(client, "/account/delete")
    wrong = client.post(
        "/account/delete", data={"csrf_token": token, "password": "not my password!", "confirm": "y"}
    )
    assert wrong.status_code == 422
    response = client.post(
        "/account/delete", data={"csrf_token": token, "password": DEFAULT_PASSWORD, "confirm": "y"}
    )
    assert response.status_code == 303

    text_columns = [
        c for t in db.metadata.sorted_tables for c in t.columns if isinstance(c.type, (String, Text))
    ]
    assert text_columns, "the schema has text columns to scan"
    values = " ".join(_every_text_value()).lower()
    assert "quentin" not in values and "oubli" not in values
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.email is None and row.display_name is None and row.password_hash is None
    assert row.deleted_at is not None and row.roles == frozenset()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    # The session is over and the address can register again.
    assert client.get("/account").status_code == 302
    assert inspect(User).columns["email"].unique


def _person_who_did_everything(login_as):
    """A person with a district, a proposal edited twice with an image, a co-authorship, a comment,
    a report, two roles and audited actions."""
    from civic.core import audit
    from civic.proposals.models import ProposalImage, ProposalVersion
    from tests.factories import create_coauthor_invitation, create_comment, create_proposal, create_report

    user = login_as(Role.FRONT_DESK, display_name="Gaëlle Tout", email="gaelle@example.org")
    user.district = create_district(name="Port-Neuf")
    proposal = create_proposal(author=user, title="Jardin partagé du port")
    db.session.add(
        ProposalVersion(
            proposal_id=proposal.id,
            number=2,
            title="Jardin partagé du port (v2)",
            summary="Plus grand.",
            description="Avec des bancs.",
            edited_by_id=user.id,
        )
    )
    db.session.add(
        ProposalImage(
            proposal_id=proposal.id,
            position=0,
            stored_name="a1b2c3.jpg",
            original_name="jardin.jpg",
            content_type="image/jpeg",
            width=800,
            height=600,
            alt_text="Le terrain vague",
        )
    )
    other = create_proposal(title="Piste cyclable")
    create_coauthor_invitation(proposal=other, user=user)
    comment = create_comment(proposal=other, author=user, body="Je soutiens cette piste !")
    create_report(target=create_comment(proposal=other), reporter=user, reason="offensive", text="Insultant.")
    audit.record(actor_id=user.id, action="proposal.submit", target_type="proposal", target_id=proposal.id)
    db.session.commit()
    return user, proposal, other, comment


def test_export_holds_everything_the_person_wrote_or_did(client, login_as):
    _user, proposal, other, _comment = _person_who_did_everything(login_as)
    data = json.loads(client.get("/account/export").data)
    assert data["account"]["district"] == "Port-Neuf" and data["account"]["email"] == "gaelle@example.org"
    assert sorted(r["role"] for r in data["roles"]) == ["front_desk", "resident"]
    assert [p["title"] for p in data["proposals"]] == ["Jardin partagé du port"]
    assert [(v["proposal_id"], v["number"]) for v in data["proposal_versions"]] == [
        (proposal.id, 1),
        (proposal.id, 2),
    ]
    assert [(c["proposal_id"], c["proposal_title"]) for c in data["coauthorships"]] == [
        (other.id, "Piste cyclable")
    ]
    assert [(i["original_name"], i["stored_name"]) for i in data["images"]] == [("jardin.jpg", "a1b2c3.jpg")]
    assert [c["body"] for c in data["comments"]] == ["Je soutiens cette piste !"]
    assert [(r["reason"], r["text"]) for r in data["reports"]] == [("offensive", "Insultant.")]
    assert "proposal.submit" in [a["action"] for a in data["actions"]]
    assert [s["browser"] for s in data["sessions"]] == ["test client"]


def test_csv_export_is_a_zip_with_one_file_per_kind(client, login_as):
    import csv
    import io
    import zipfile

    _person_who_did_everything(login_as)
    response = client.get("/account/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert names >= {
        "account.csv",
        "roles.csv",
        "proposals.csv",
        "proposal_versions.csv",
        "coauthorships.csv",
        "comments.csv",
        "reports.csv",
        "images.csv",
        "actions.csv",
        "sessions.csv",
    }

    def rows(name):
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    assert rows("account.csv")[0]["display_name"] == "Gaëlle Tout"
    assert rows("comments.csv")[0]["body"] == "Je soutiens cette piste !"
    assert rows("images.csv")[0]["original_name"] == "jardin.jpg"
    assert len(rows("proposal_versions.csv")) == 2


def test_export_needs_a_login(client):
    assert client.get("/account/export.zip").status_code == 302
