"""The public results sections are rendered once per published count and change as soon as the data do."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from civic.accounts.roles import Role
from civic.extensions import db
from civic.results.models import TallyRun
from civic.results.services import execute_run, publish_run, start_run
from civic.tally.pabulib import read
from civic.voting.pabulib_io import import_pabulib
from civic.web.cache import fragment_cache
from tests.factories import create_user
from tests.tally.shared import TEST_DATA

WIELICZKA = "Poland_Wieliczka_2023_Green_Budget.pb"
EN = {"Accept-Language": "en"}


def _run(admin, pool, rule: str) -> TallyRun:
    run = start_run(actor=admin, pool=pool, rule=rule)
    db.session.commit()
    execute_run(run.id)
    return db.session.get(TallyRun, run.id)


# The CSRF token is signed with the current second: two renderings a second apart differ there only.
TOKEN = re.compile(r'("X-CSRFToken": "|name="csrf_token" value=")[^"]+')


def _page(client, pool, tab: str = "") -> str:
    suffix = "?tab=compare" if tab else ""
    page = client.get(f"/editions/{pool.edition.slug}/results{suffix}", headers=EN).get_data(as_text=True)
    return TOKEN.sub(r"\1…", page)


def test_results_sections_are_cached_until_the_publication_or_a_project_changes(app, client):
    pool = import_pabulib(read(TEST_DATA / WIELICZKA), source_name=WIELICZKA)
    db.session.commit()
    admin = create_user(roles=(Role.ADMIN,))
    greedy, mes = _run(admin, pool, "greedy"), _run(admin, pool, "mes")
    publish_run(actor=admin, run=greedy)
    db.session.commit()
    cache = fragment_cache(app)

    first = _page(client, pool)
    assert "per voter" not in first
    hits = cache.hits
    assert _page(client, pool) == first
    assert cache.hits == hits + 1  # the second view did not render the sections again

    publish_run(actor=admin, run=mes)  # another count published: new key, new sections
    db.session.commit()
    assert "per voter" in _page(client, pool)

    project = pool.projects[0]
    project.proposal.title = "Un titre corrigé après le vote"
    project.proposal.version_count += 1
    db.session.commit()
    assert "Un titre corrigé après le vote" in _page(client, pool)


def test_other_rules_tab_shows_a_count_finished_after_it_was_cached(app, client):
    pool = import_pabulib(read(TEST_DATA / WIELICZKA), source_name=WIELICZKA)
    db.session.commit()
    admin = create_user(roles=(Role.ADMIN,))
    publish_run(actor=admin, run=_run(admin, pool, "mes"))
    db.session.commit()
    assert "Not counted with this rule." in _page(client, pool, "compare")
    for rule in ("greedy", "phragmen"):
        _run(admin, pool, rule)
    assert "Not counted with this rule." not in _page(client, pool, "compare")


def test_cached_date_and_money_formats_follow_the_reader_language(app):
    from civic.web.cache import per_reader

    calls = []

    @per_reader
    def shown(value: object) -> str:
        from flask_babel import format_datetime

        calls.append(value)
        return format_datetime(value, "d MMMM y")

    moment = datetime(2026, 10, 1, 12, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = shown(moment)
        assert shown(moment) == french and len(calls) == 1  # remembered
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = shown(moment)
    assert "octobre" in french and "October" in english and len(calls) == 2
