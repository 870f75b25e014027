"""Every public page reads the database a fixed number of times, however many items it lists (no N+1).

The demo town (`civic seed-demo` on a migrated database) is read as an anonymous visitor; each page's
SQL statements are counted with an SQLAlchemy event listener. A lazy load per listed item (a district
per proposal, a run per ballot box…) adds a statement per item and breaks the bound.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals.models import Proposal, ProposalStatus
from civic.results.models import TallyRun
from civic.voting.models import VotePool
from tests.demo import seeded_demo_app

CURRENT = "budget-participatif-2026"

# page → (path template, extra headers, most statements allowed)
BOUNDS = {
    # The home page reads the featured edition and its calendar.
    "home": ("/", {}, 2),
    "editions list": ("/editions", {}, 2),
    # The edition page also reads its built ballots (voting) for the "ballot" link.
    "edition page": (f"/editions/{CURRENT}", {}, 7),
    # Cards add one query for the supports (pre-selection) and one for the analysed costs (analysis).
    "proposal list": (f"/editions/{CURRENT}/proposals", {}, 9),
    "proposal list (htmx)": (f"/editions/{CURRENT}/proposals", {"HX-Request": "true"}, 9),
    # The page's panels and timeline sources (supports, review, ballot) each read their own rows: to batch.
    "proposal page": ("/proposals/{proposal}", {}, 14),
    # The ballot-box sections come from the fragment cache once rendered: the edition row, one version
    # query and the imported-election notice.
    "results page": ("/editions/{results}/results", {}, 3),
    "results, other rules": ("/editions/{results}/results?tab=compare", {}, 3),
}
# The first rendering of a results page reads the ballot box, its projects and its counts: per box, a
# fixed number of statements (published count, three compared rules), never one per project.
RESULTS_FIRST_VIEW = 10


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        app = seeded_demo_app(tmp_path_factory.mktemp("query-counts"), monkeypatch)
        with app.app_context():
            current = db.session.scalar(select(Edition).where(Edition.slug == CURRENT))
            proposal = db.session.scalar(
                select(Proposal.id)
                .where(Proposal.edition_id == current.id, Proposal.status != ProposalStatus.DRAFT)
                .order_by(Proposal.id)
            )
            results = db.session.scalar(
                select(Edition.slug)
                .join(VotePool, VotePool.edition_id == Edition.id)
                .join(TallyRun, TallyRun.pool_id == VotePool.id)
                .where(TallyRun.published_at.is_not(None))
                .order_by(Edition.id)
            )
        yield app, {"proposal": proposal, "results": results}
    finally:
        monkeypatch.undo()


def _count(app, client, path: str, headers: dict[str, str]) -> tuple[int, int]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return response.status_code, len(statements)


@pytest.mark.parametrize("page", list(BOUNDS))
def test_public_page_statement_count_is_bounded(demo, page):
    app, ids = demo
    path, headers, bound = BOUNDS[page]
    path = path.format(**ids)
    client = app.test_client()
    client.get(path, headers=headers)  # warm: per-process caches and the first session cookie
    status, count = _count(app, client, path, headers)
    assert status == 200
    assert count <= bound, f"{page}: {count} SQL statements (at most {bound})"


def test_first_view_of_results_reads_a_bounded_number_of_statements(demo):
    app, ids = demo
    from civic.web.cache import fragment_cache

    fragment_cache(app).clear()
    status, count = _count(app, app.test_client(), f"/editions/{ids['results']}/results", {})
    assert status == 200
    assert count <= RESULTS_FIRST_VIEW, f"{count} SQL statements (at most {RESULTS_FIRST_VIEW})"
