"""One nonsense field in an otherwise valid form: never a 5xx, and a refusal keeps the other fields' input."""

from __future__ import annotations

import pytest

from civic.accounts.roles import Role
from tests.conftest import csrf_token
from tests.factories import create_district, create_edition, create_proposal
from tests.processes.helpers import edition_payload
from tests.web.test_nonsense_posts import NONSENSE

PROPOSAL = {
    "title": "Un composteur collectif",
    "summary": "Un composteur partagé au pied de la résidence.",
    "description": "Trois bacs de compostage, un panneau et une formation pour les habitants.",
    "estimated_cost": "3 000",
    "address": "Rue des Lilas",
    "latitude": "43.6",
    "longitude": "1.44",
    "alt1": "Le coin prévu",
    "district_id": "",
    "theme_id": "",
    "version_count": "1",
}


def _check(response, field: str, kind: str, kept: dict[str, str]) -> None:
    assert response.status_code < 500, f"{field} [{kind}]: {response.status_code}"
    if response.status_code == 422:
        page = response.get_data(as_text=True)
        for other, value in kept.items():
            if other != field and value and other not in {"district_id", "theme_id", "version_count"}:
                assert value.replace("'", "&#39;") in page, f"{other} lost when {field} was {kind}"


@pytest.mark.parametrize("target", ["new", "edit"])
def test_one_nonsense_field_in_the_proposal_form(client, login_as, target):
    author = login_as()
    edition = create_edition(districts=[create_district()])
    url = (
        f"/editions/{edition.slug}/proposals/new"
        if target == "new"
        else f"/proposals/{create_proposal(author=author, edition=edition).id}/edit"
    )
    token = csrf_token(client, url)
    for field in PROPOSAL:
        for kind, value in NONSENSE.items():
            data = {"csrf_token": token, **PROPOSAL, field: value}
            if target == "edit":
                # Keep the version in step so that each valid post is an edit, not a conflict.
                data["version_count"] = value if field == "version_count" else ""
            _check(client.post(url, data=data), field, kind, PROPOSAL)


def test_one_nonsense_field_in_comments_and_invitations(client, login_as):
    author = login_as()
    proposal = create_proposal(author=author)
    token = csrf_token(client)
    for kind, value in NONSENSE.items():
        for field in ("body", "parent_id"):
            data = {"csrf_token": token, "body": "Un avis sensé", field: value}
            response = client.post(f"/proposals/{proposal.id}/comments", data=data)
            assert response.status_code < 500, f"comment {field} [{kind}]"
        response = client.post(
            f"/proposals/{proposal.id}/coauthors", data={"csrf_token": token, "email": value}
        )
        assert response.status_code < 500, f"invitation [{kind}]"


def test_one_nonsense_field_in_the_edition_form(client, login_as):
    login_as(Role.ADMIN)
    district = create_district()
    token = csrf_token(client, "/admin/editions/new")
    valid = edition_payload(
        token,
        **{f"district_{district.id}": "y", f"district_{district.id}_envelope": "40 000"},
        submission_starts_at="2026-03-01T09:00",
        submission_ends_at="2026-04-01T18:00",
    )
    for field in [k for k in valid if k != "csrf_token"]:
        for kind, value in NONSENSE.items():
            response = client.post("/admin/editions/new", data={**valid, field: value})
            assert response.status_code < 500, f"{field} [{kind}]: {response.status_code}"


def test_a_refusal_by_the_services_comes_back_in_the_form_with_the_input(client, login_as, monkeypatch):
    from civic.core.errors import ValidationFailed
    from civic.proposals import services

    def refuse(edition, data):
        raise ValidationFailed("Refused by a business rule.")

    monkeypatch.setattr(services, "_validate", refuse)
    author = login_as()
    edition = create_edition()
    for url in (
        f"/editions/{edition.slug}/proposals/new",
        f"/proposals/{create_proposal(author=author).id}/edit",
    ):
        data = {"csrf_token": csrf_token(client, url), **PROPOSAL, "version_count": ""}
        response = client.post(url, data=data, headers={"HX-Request": "true"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422, url
        assert "Refused by a business rule." in page and 'value="Un composteur collectif"' in page
        assert page.lstrip().startswith('<div id="proposal-form">')
