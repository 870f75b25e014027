"""Walk every route for every role: no 5xx, CSRF refused on every state change, headers everywhere.

New routes are covered automatically; a route whose URL argument has no sample below fails
the sweep until one is added.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.web.security import SECURITY_HEADERS
from tests.analysis.factories import create_review
from tests.conftest import log_in
from tests.factories import (
    create_coauthor_invitation,
    create_comment,
    create_commons_call,
    create_district,
    create_edition,
    create_proposal,
    create_report,
    create_tally_run,
    create_tally_sheet,
    create_user,
    create_vote_pool,
)

ROLES: list[Role | None] = [None, *Role]
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _samples() -> dict[str, Callable[[], object]]:
    """Return a sample value maker for each URL argument name used by the app."""
    made: list[tuple] = []

    def _commons():  # one call for the whole sweep: a project's URL names its own call, as a real link does
        if not made:  # plain values: the objects are detached once a request has ended
            call, project, need, pledge, campaign, delegation = create_commons_call()
            made.append((call.slug, project.id, need.id, pledge.id, campaign.id, delegation.id))
        return made[0]

    return {
        "user_id": lambda: create_user(display_name="Sample Target").id,
        "token": lambda: "not-a-valid-token",
        "filename": lambda: "css/civic.css",
        "edition_slug": lambda: create_edition().slug,
        "edition_id": lambda: create_edition().id,
        "proposal_id": lambda: create_proposal().id,
        "comment_id": lambda: create_comment().id,
        "report_id": lambda: create_report().id,
        "coauthor_id": lambda: create_coauthor_invitation().id,
        "image_id": lambda: 999_999,
        "answer": lambda: "accept",
        "pool_id": lambda: create_vote_pool().id,
        "run_id": lambda: create_tally_run().id,
        "district_id": lambda: create_district().id,
        "theme_id": lambda: create_edition().themes[0].id,
        "kind": lambda: "charter",
        "result_id": lambda: 999_999,
        "session_id": lambda: 999_999,
        "attachment_id": lambda: 999_999,
        "review_id": lambda: create_review(state="submitted").id,
        "service_id": lambda: _sample_service().id,
        "sheet_id": lambda: create_tally_sheet().id,
        "call_slug": lambda: _commons()[0],
        "commons_project_id": lambda: _commons()[1],
        "need_id": lambda: _commons()[2],
        "pledge_id": lambda: _commons()[3],
        "campaign_id": lambda: _commons()[4],
        "delegation_id": lambda: _commons()[5],
    }


def _sample_service():
    from civic.analysis.models import MunicipalService

    service = MunicipalService(name=f"Service {create_district().id}")
    db.session.add(service)
    db.session.commit()
    return service


def _urls(app: Flask, methods: set[str]) -> list[tuple[str, str]]:
    samples = _samples()
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            for method in sorted((rule.methods or set()) & methods):
                missing = [a for a in rule.arguments if a not in samples]
                assert not missing, f"route {rule.rule} needs a sample for {missing} in test_route_sweep"
                values = {name: samples[name]() for name in rule.arguments}
                urls.append((method, app.url_for(rule.endpoint, **values)))
    return urls


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    db.session.expire_all()
    return {
        t.name: sorted(map(tuple, db.session.execute(select(t)).all()), key=repr)
        for t in db.metadata.sorted_tables
    }


def _assert_security_headers(response, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} missing on {where}"
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_every_get_route_answers_without_server_error(app, client, role):
    create_district()
    if role is not None:
        log_in(client, create_user(roles=(role,)))
    for method, url in _urls(app, {"GET"}):
        for hx in (False, True):
            response = client.open(url, method=method, headers={"HX-Request": "true"} if hx else {})
            response.close()
            assert response.status_code < 500, f"{method} {url} as {role} (htmx={hx}): {response.status_code}"
            _assert_security_headers(response, f"{method} {url}")


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["anonymous", "admin"])
def test_every_state_changing_route_refuses_a_missing_csrf_token(app, client, role):
    if role is not None:
        log_in(client, create_user(roles=(role,)))
    urls = _urls(app, STATE_CHANGING)
    assert urls, "the app has state-changing routes"
    before = _snapshot()
    for method, url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(
                url,
                method=method,
                data={"email": "x@example.org", "role": "admin", "action": "grant", "lang": "en"},
                headers=headers,
            )
            assert response.status_code == 400, f"{method} {url} without CSRF token: {response.status_code}"
            _assert_security_headers(response, f"{method} {url}")
    assert _snapshot() == before, "a request without CSRF token changed the database"


def test_a_wrong_csrf_token_is_refused_too(app, client):
    log_in(client, create_user(roles=(Role.ADMIN,)))
    target = create_user()
    response = client.post(
        f"/admin/users/{target.id}/roles", data={"csrf_token": "forged", "role": "admin", "action": "grant"}
    )
    assert response.status_code == 400
    response = client.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "admin", "action": "grant"},
        headers={"X-CSRFToken": "forged"},
    )
    assert response.status_code == 400
