"""A proposal title stays on one line: it is the subject of the status e-mails its co-authors receive."""

from __future__ import annotations

from civic.extensions import db
from civic.proposals.models import Proposal
from tests.conftest import csrf_token
from tests.factories import create_edition


def test_a_proposal_title_with_line_breaks_is_saved_on_one_line(client, login_as):
    edition = create_edition()
    login_as()
    token = csrf_token(client, f"/editions/{edition.slug}/proposals/new")
    client.post(
        f"/editions/{edition.slug}/proposals/new",
        data={
            "csrf_token": token,
            "title": "Un banc\r\n\r\nCliquez ici",
            "summary": "Un banc pour se reposer au soleil.",
            "description": "Un banc en bois près de la fontaine, à l'ombre des tilleuls.",
        },
    )
    assert db.session.query(Proposal).one().title == "Un banc Cliquez ici"
