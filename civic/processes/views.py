"""Public pages of editions: the list of editions and each edition's page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, url_for
from flask.wrappers import Response
from flask_login import current_user

from civic.core.time import utcnow
from civic.processes import queries
from civic.processes.forms import ACTION_SENTENCES, MODE_LABELS, PHASE_DESCRIPTIONS, PHASE_LABELS
from civic.processes.models import Edition
from civic.processes.permissions import can_view_edition
from civic.web.markdown import render_markdown
from civic.web.rendering import render

bp = Blueprint("processes", __name__)
# Template helpers this package owns (civic.web imports no domain package: each blueprint registers its own).
bp.add_app_template_filter(queries.format_euros, "euros")

# Pages of other blueprints linked from the edition page, when that blueprint provides them.
PROPOSAL_ENDPOINTS = ("proposals.new_proposal", "proposals.proposal_list")


@bp.get("/editions")
def edition_list() -> Response:
    now = utcnow()
    return render(
        "processes/editions.html",
        listing=queries.published_editions(now=now),
        now=now,
        euros=queries.format_euros,
        phase_labels=PHASE_LABELS,
    )


def visible_edition_or_404(slug: str, *, with_everything: bool = True) -> Edition:
    """Return the edition with this slug if the visitor may see it (other blueprints use it too).

    ``with_everything=False`` loads the edition alone, for pages that show none of its calendar, themes
    or districts (each eager-loaded collection costs a query and its objects).
    """
    edition = queries.edition_by_slug(slug, with_everything=with_everything)
    roles = current_user.roles if current_user.is_authenticated else frozenset()
    if edition is None or not can_view_edition(roles, published=edition.published):
        abort(404)
    return edition


@bp.get("/editions/<edition_slug>")
def edition_page(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    return render(
        "processes/edition.html",
        edition=edition,
        page=queries.edition_page(edition, now=utcnow()),
        reference=queries.REFERENCES,
        links=_proposal_links(edition),
        render_markdown=render_markdown,
        euros=queries.format_euros,
        share=queries.format_share,
        labels={"phase": PHASE_LABELS, "phase_hint": PHASE_DESCRIPTIONS, "mode": MODE_LABELS},
        action_sentences=ACTION_SENTENCES,
    )


def _proposal_links(edition: Edition) -> dict[str, str]:
    return {
        endpoint: url_for(endpoint, edition_slug=edition.slug)
        for endpoint in PROPOSAL_ENDPOINTS
        if endpoint in current_app.view_functions
    }
