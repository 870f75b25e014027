"""Numbers past 64 bits in URLs and query strings give a 404 or the default page, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from civic.accounts.roles import Role
from civic.web.params import MAX_DB_INT, BoundedIntConverter, page_arg, query_int
from tests.conftest import log_in
from tests.factories import create_district, create_user
from tests.web.test_route_sweep import _samples

HUGE = [2**63, 2**64, 10**30]
QUERY_NAMES = [
    "page",
    "sort",
    "district",
    "theme",
    "status",
    "q",
    "target_id",
    "target_type",
    "tab",
    "role",
    "action",
]


def _int_arguments(rule) -> set[str]:
    return {name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)}


def _get_rules(app: Flask):
    return [rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())]


def test_the_int_converter_is_bounded_everywhere(app):
    int_rules = [rule for rule in app.url_map.iter_rules() if _int_arguments(rule)]
    assert int_rules, "the app has routes with integer ids"
    for rule in int_rules:
        for name in _int_arguments(rule):
            assert isinstance(rule._converters[name], BoundedIntConverter), rule.rule


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["anonymous", "admin"])
def test_huge_ids_in_every_url_are_a_404(app, client, role):
    create_district()
    if role is not None:
        log_in(client, create_user(roles=(role,)))
    samples = _samples()
    checked = 0
    for rule in app.url_map.iter_rules():
        int_args = _int_arguments(rule)
        methods = (rule.methods or set()) & {"GET", "POST"}
        if not int_args or not methods:
            continue
        with app.test_request_context():
            values = {name: samples[name]() for name in rule.arguments}
            for name in int_args:
                for huge in HUGE:
                    url = app.url_for(rule.endpoint, **{**values, name: huge})
                    for method in sorted(methods):
                        response = client.open(url, method=method)
                        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
                        checked += 1
    assert checked > 20


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["anonymous", "admin"])
def test_huge_query_parameters_on_every_get_route_never_give_a_server_error(app, client, role):
    create_district()
    if role is not None:
        log_in(client, create_user(roles=(role,)))
    samples = _samples()
    failures = []
    for rule in _get_rules(app):
        if rule.endpoint == "static":
            continue
        with app.test_request_context():
            base = app.url_for(rule.endpoint, **{name: samples[name]() for name in rule.arguments})
        for huge in HUGE:
            query = "&".join(f"{name}={huge}" for name in QUERY_NAMES)
            for hx in (False, True):
                try:
                    response = client.get(f"{base}?{query}", headers={"HX-Request": "true"} if hx else {})
                except Exception as exc:  # the sweep lists every failing route at once
                    failures.append(f"GET {base}?…={huge} (htmx={hx}): {exc!r}"[:300])
                    continue
                response.close()
                if response.status_code >= 500:
                    failures.append(f"GET {base}?…={huge} (htmx={hx}): {response.status_code}")
    assert not failures, "\n".join(failures)


def test_query_int_refuses_what_no_column_holds():
    assert query_int({"n": str(2**63)}, "n") is None
    assert query_int({"n": str(MAX_DB_INT)}, "n") == MAX_DB_INT
    assert query_int({"n": "12"}, "n", maximum=10, default=3) == 3
    assert query_int({"n": "١٢"}, "n") is None
    assert query_int({"n": "9" * 5000}, "n") is None
    assert page_arg({"page": str(10**30)}) == 1
    assert page_arg({"page": "7"}) == 7
    assert page_arg({"page": "0"}) == 1


@given(st.integers(min_value=0, max_value=10**25), st.integers(min_value=1, max_value=10**20))
def test_the_url_pattern_matches_exactly_the_numbers_up_to_its_bound(number, limit):
    import re

    from civic.web.params import _at_most

    assert bool(re.fullmatch(_at_most(str(limit)), str(number))) is (number <= limit)


def test_nul_characters_are_dropped_from_forms_and_queries(app):
    with app.test_request_context("/?q=a%00b", method="POST", data={"title": "Jar\x00din", "x\x00": "1"}):
        from flask import request

        assert request.form["title"] == "Jardin" and request.form["x"] == "1"
        assert request.args["q"] == "ab"
