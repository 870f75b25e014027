"""Public pages of editions: the list of editions and each edition's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, url_for
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from civic.core.time import utcnow
from civic.processes import queries
from civic.processes.forms import ACTION_SENTENCES, MODE_LABELS, PHASE_DESCRIPTIONS, PHASE_LABELS
from civic.processes.models import Edition
from civic.processes.permissions import can_view_edition
from civic.processes.phases import Action, allowed_actions
from civic.web.markdown import render_markdown
from civic.web.page_cache import cached_for_anonymous
from civic.web.rendering import render

bp = Blueprint("processes", __name__)
# Template helpers this package owns (civic.web imports no domain package: each blueprint registers its own).
bp.add_app_template_filter(queries.format_euros, "euros")

# Pages of other blueprints linked from the edition page, when that blueprint provides them.
PROPOSAL_ENDPOINTS = ("proposals.new_proposal", "proposals.proposal_list", "preselection.results")

# What a person can do now, and the page that does it. An action whose page Civic does not
# (yet) provide is never offered: the box then says what is happening instead of promising it.
ACTION_LINKS = {
    Action.SUBMIT_PROPOSAL: ("proposals.new_proposal", _l("Submit a project")),
    Action.EDIT_PROPOSAL: ("proposals.my_invitations", _l("See my projects")),
    Action.WITHDRAW_PROPOSAL: ("proposals.my_invitations", _l("See my projects")),
    Action.COMMENT: ("proposals.proposal_list", _l("Read and comment on the projects")),
    Action.SUPPORT: ("preselection.edition_supports", _l("Support projects")),
    Action.SEE_RESULTS: ("results.edition_results", _l("See the results")),
}
ACTION_INFO = {
    Action.SUPPORT: _l("Supports are being collected. This site does not take them yet: ask your town hall."),
    Action.ANALYSE: _l("Municipal services are studying the projects."),
    Action.VOTE: _l(
        "The vote is under way. This site does not take votes yet: ask your town hall how to vote."
    ),
    Action.FOLLOW_REALISATION: _l("The town is carrying out the winning projects."),
}


@dataclass(frozen=True)
class NowItem:
    sentence: str
    href: str | None = None
    label: str | None = None


def now_items(edition: Edition, actions: list[Action]) -> list[NowItem]:
    """Turn the open actions into sentences, each with a link when Civic has a page for it."""
    items: list[NowItem] = []
    seen: set[str] = set()
    for action in actions:
        link = ACTION_LINKS.get(action)
        if link and link[0] in current_app.view_functions:
            endpoint, label = link
            if endpoint in seen:
                continue
            seen.add(endpoint)
            args = {} if endpoint == "proposals.my_invitations" else {"edition_slug": edition.slug}
            items.append(NowItem(str(ACTION_SENTENCES[action]), url_for(endpoint, **args), str(label)))
        elif action in ACTION_INFO:
            items.append(NowItem(str(ACTION_INFO[action])))
    return items


@bp.get("/editions")
@cached_for_anonymous()
def edition_list() -> Response:
    now = utcnow()
    return render(
        "processes/editions.html",
        listing=queries.published_editions(now=now),
        now=now,
        euros=queries.format_euros,
        phase_labels=PHASE_LABELS,
    )


def visible_edition_or_404(slug: str, *, with_everything: bool = True, with_calendar: bool = False) -> Edition:
    """Return the edition with this slug if the visitor may see it (other blueprints use it too).

    ``with_everything=False`` loads the edition alone, for pages that show none of its calendar, themes
    or districts (each eager-loaded collection costs a query and its objects); ``with_calendar=True`` then
    adds its calendar, in the same query.
    """
    edition = queries.edition_by_slug(slug, with_everything=with_everything, with_calendar=with_calendar)
    roles = current_user.roles if current_user.is_authenticated else frozenset()
    if edition is None or not can_view_edition(roles, published=edition.published):
        abort(404)
    return edition


@bp.get("/editions/<edition_slug>")
@cached_for_anonymous()
def edition_page(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    page = queries.edition_page(edition, now=utcnow())
    return render(
        "processes/edition.html",
        edition=edition,
        page=page,
        now_items=now_items(edition, page.actions),
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


@dataclass(frozen=True)
class HomeFeature:
    """The edition the home page leads with, where it stands and its single call to action."""

    edition: Edition | None
    state: str | None = None
    phases: tuple[str, ...] = ()
    deadline: datetime | None = None
    starts: datetime | None = None
    action_href: str | None = None
    action_label: str | None = None


def home_feature(*, now: datetime) -> HomeFeature:
    """Pick the current edition (else the next, else the latest) and the one thing to do there."""
    listing = queries.published_editions(now=now)
    edition = listing.featured
    if edition is None:
        return HomeFeature(edition=None)
    state = queries.calendar_state(edition, now)
    actions = [
        a for a in Action if a in allowed_actions(edition.calendar, now, city_list=edition.is_city_list)
    ]
    linked = [item for item in now_items(edition, actions) if item.href]
    action_href, action_label = (linked[0].href, linked[0].label) if linked else (None, None)
    if action_href is None and state == queries.CalendarState.FINISHED:
        action_href = url_for("results.edition_results", edition_slug=edition.slug)
        action_label = str(_l("See the results"))
    return HomeFeature(
        edition=edition,
        state=state.value,
        phases=tuple(listing.phases_now[edition.id]),
        deadline=listing.deadlines.get(edition.id),
        starts=listing.starts.get(edition.id),
        action_href=action_href,
        action_label=action_label,
    )
