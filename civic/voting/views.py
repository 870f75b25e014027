"""The ballot: staff choose its settings and build it from the analysed proposals; the public reads it."""

from __future__ import annotations

import random

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.errors import InvalidInput, ValidationFailed
from civic.eligibility.hooks import eligibility_hooks
from civic.extensions import db, htmx, limiter
from civic.processes.models import Edition
from civic.processes.queries import format_euros
from civic.processes.views import visible_edition_or_404
from civic.proposals import hooks
from civic.proposals.models import ProposalStatus
from civic.proposals.views import _visitor_seed
from civic.voting import ballot as services
from civic.voting.ballot_rules import Settings, min_spend_cents
from civic.voting.forms import BallotSettingsForm, BuildForm, CityProjectForm
from civic.voting.labels import (
    DISTRICTS_LABELS,
    FORMAT_LABELS,
    RULE_EXPLANATIONS,
    RULE_LABELS,
    SCOPE_LABELS,
    format_sentence,
)
from civic.voting.models import BallotSettings, VotePool
from civic.voting.permissions import can_manage_ballot
from civic.web.decorators import permission_required
from civic.web.errors import error_response
from civic.web.forms import add_problems
from civic.web.limits import account_key, configured, succeeded
from civic.web.page_cache import cached_for_anonymous
from civic.web.rendering import render

bp = Blueprint("voting", __name__)
bp.add_app_template_global(can_manage_ballot, "can_manage_ballot")

WRITE_LIMIT = configured("PROPOSAL_WRITE_RATE_LIMIT")


@bp.errorhandler(services.BallotFrozen)
def _frozen(error: services.BallotFrozen) -> Response:
    # The attempt is rolled back; its refusal is recorded on its own, then said.
    db.session.rollback()
    services.record_refusal(error)
    db.session.commit()
    return error_response(409, str(error.message))


def _redirect(url: str) -> Response:
    """Redirect a plain form post (303), or tell htmx to load the page (HX-Redirect)."""
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)  # type: ignore[return-value]


def _labels() -> dict[str, object]:
    return {
        "format_labels": FORMAT_LABELS,
        "rule_labels": RULE_LABELS,
        "rule_explanations": RULE_EXPLANATIONS,
        "scope_labels": SCOPE_LABELS,
        "districts_labels": DISTRICTS_LABELS,
        "euros": format_euros,
    }


def _settings(edition: Edition) -> Settings | None:
    row = services.settings_of(edition)
    return row.rules() if row else None


def _format_sentence(settings: Settings, budget_cents: int | None) -> str:
    floor = min_spend_cents(settings, budget_cents) if budget_cents is not None else None
    return format_sentence(settings, min_spend=format_euros(floor) if floor else None)


# --- staff ------------------------------------------------------------------------------------------


@bp.get("/staff/editions/<edition_slug>/ballot")
@permission_required(can_manage_ballot)
def overview(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    settings = _settings(edition)
    return render(
        "voting/overview.html",
        edition=edition,
        settings=settings,
        slots=services.ballot_slots(edition, settings) if settings else [],
        unplaced=services.unplaced_town_wide(edition, settings) if settings else [],
        frozen=services.edition_has_ballots(edition),
        sentence=_format_sentence(settings, None) if settings else None,
        **_labels(),
    )


@bp.route("/staff/editions/<edition_slug>/ballot/settings", methods=["GET", "POST"])
@permission_required(can_manage_ballot)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key, deduct_when=succeeded)
def edit_settings(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = BallotSettingsForm()
    saved = _settings(edition)
    if request.method == "GET" and saved is not None:
        form.fill_from(saved)
    if form.validate_on_submit():
        try:
            services.save_settings(actor=current_user, edition=edition, settings=form.to_settings())
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            add_problems(form, error.problems)
        else:
            flash(_("The ballot settings have been saved."), "success")
            return _redirect(url_for("voting.overview", edition_slug=edition.slug))
    return render(
        "voting/settings.html",
        fragment="voting/_settings_form.html",
        edition=edition,
        form=form,
        frozen=services.edition_has_ballots(edition),
        status=422 if form.is_submitted() else 200,
    )


def _chosen_ids() -> list[int]:
    ids = []
    for raw in request.form.getlist("proposal")[:2000]:
        if raw.isdigit() and len(raw) < 12:
            ids.append(int(raw))
    return ids


def _build_page(edition: Edition, district_id: int | None) -> Response:
    settings = _settings(edition)
    if settings is None:
        flash(_("Choose the ballot settings of this edition first."), "warning")
        return redirect(url_for("voting.edit_settings", edition_slug=edition.slug), 303)  # type: ignore[return-value]
    slot = services.slot_for(edition, settings, district_id)
    candidates = services.candidates(slot)
    form = BuildForm()
    step = request.form.get("step", "choose") if request.method == "POST" else "choose"
    chosen = _chosen_ids() if request.method == "POST" else [c.proposal.id for c in candidates]
    problem = None
    status = 200
    if form.validate_on_submit() and step == "build":
        try:
            pool = services.build_ballot(
                actor=current_user, edition=edition, district_id=district_id, proposal_ids=chosen
            )
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            problem, status, step = str(error.message), 422, "preview"
        else:
            flash(
                _(
                    "The ballot of %(name)s has been built: %(count)s projects.",
                    name=slot.name,
                    count=len(pool.projects),
                ),
                "success",
            )
            return redirect(url_for("voting.overview", edition_slug=edition.slug), 303)  # type: ignore[return-value]
    elif form.is_submitted() and step == "preview" and not chosen:
        problem, status, step = _("Choose at least one project for the ballot."), 422, "choose"
    elif form.is_submitted() and form.errors:
        status = 400
    by_id = {c.proposal.id: c for c in candidates}
    selected = [by_id[i] for i in chosen if i in by_id]
    total = sum(c.cost.cents or 0 for c in selected)
    return render(
        "voting/build.html",
        edition=edition,
        slot=slot,
        candidates=candidates,
        chosen=set(chosen),
        selected=selected,
        total=total,
        step=step,
        form=form,
        problem=problem,
        frozen=services.edition_has_ballots(edition),
        status=status,
        **_labels(),
    )


@bp.route("/staff/editions/<edition_slug>/ballot/town", methods=["GET", "POST"])
@permission_required(can_manage_ballot)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key, deduct_when=succeeded)
def build_town(edition_slug: str) -> Response:
    return _build_page(visible_edition_or_404(edition_slug), None)


@bp.route("/staff/editions/<edition_slug>/ballot/districts/<int:district_id>", methods=["GET", "POST"])
@permission_required(can_manage_ballot)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key, deduct_when=succeeded)
def build_district(edition_slug: str, district_id: int) -> Response:
    return _build_page(visible_edition_or_404(edition_slug), district_id)


@bp.route("/staff/editions/<edition_slug>/ballot/city-projects/new", methods=["GET", "POST"])
@permission_required(can_manage_ballot)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key, deduct_when=succeeded)
def new_city_project(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    if not edition.is_city_list:
        abort(404)
    form = CityProjectForm()
    form.fill_choices(edition)
    problem = None
    if form.validate_on_submit():
        try:
            proposal = services.add_city_project(actor=current_user, edition=edition, data=form.to_input())
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            add_problems(form, error.problems)
        except ValidationFailed as error:
            db.session.rollback()
            problem = str(error.message)
        else:
            flash(_("The project %(ref)s is on the ballot.", ref=proposal.reference), "success")
            return _redirect(url_for("voting.overview", edition_slug=edition.slug))
    return render(
        "voting/city_project.html",
        fragment="voting/_city_project_form.html",
        edition=edition,
        form=form,
        problem=problem,
        status=422 if form.is_submitted() else 200,
    )


# --- public -----------------------------------------------------------------------------------------


def _public_ballots(edition: Edition, district_id: int | None = None) -> list[dict[str, object]]:
    settings = _settings(edition)
    seed = _visitor_seed()
    ballots = []
    for pool in services.public_pools(edition):
        if district_id is not None and pool.district_id != district_id:
            continue
        projects = list(pool.projects)
        costs = services.ballot_costs([vpp.proposal for vpp in projects])
        # The same order for one visitor on every visit; a different one for the next visitor.
        random.Random(seed * 1_000_003 + pool.id).shuffle(projects)  # noqa: S311 (display order, not a secret)
        ballots.append(
            {
                "pool": pool,
                "projects": projects,
                "costs": costs,
                "total": sum(vpp.cost_cents for vpp in projects),
                "sentence": _format_sentence(settings, pool.budget_cents) if settings else None,
            }
        )
    return ballots


def _seed_vary() -> int:
    return _visitor_seed()


@bp.get("/editions/<edition_slug>/ballot")
@cached_for_anonymous(vary=_seed_vary)
def public_ballot(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    return render(
        "voting/public.html",
        edition=edition,
        ballots=_public_ballots(edition),
        settings=_settings(edition),
        district=None,
        **_labels(),
    )


@bp.get("/editions/<edition_slug>/ballot/districts/<int:district_id>")
@cached_for_anonymous(vary=_seed_vary)
def public_district_ballot(edition_slug: str, district_id: int) -> Response:
    edition = visible_edition_or_404(edition_slug)
    share = next((d for d in edition.districts if d.district_id == district_id), None)
    if share is None:
        abort(404)
    return render(
        "voting/public.html",
        edition=edition,
        ballots=_public_ballots(edition, district_id),
        settings=_settings(edition),
        district=share.district,
        **_labels(),
    )


def edition_ballots(edition: Edition) -> list[VotePool]:
    """Return the edition's ballots that have projects (for the edition page's link)."""
    return services.public_pools(edition)


bp.add_app_template_global(edition_ballots, "edition_ballots")


# --- the proposal timeline --------------------------------------------------------------------------


def ballot_timeline(proposal: object) -> hooks.TimelineAddition:
    """Say, under the proposal's "on the ballot" step, which ballot it is on and at what cost."""
    lines = []
    for vpp in services.ballot_places(proposal):  # type: ignore[arg-type]
        place = vpp.pool.district.name if vpp.pool.district else _("the whole town")
        lines.append(
            _("On the ballot of %(place)s at %(cost)s.", place=place, cost=format_euros(vpp.cost_cents))
        )
    return hooks.TimelineAddition(details={ProposalStatus.ON_BALLOT: lines} if lines else {})


def register(app: Flask) -> None:
    """Register the blueprint and the ballot's line on every proposal's timeline."""
    app.register_blueprint(bp)
    hooks.proposal_hooks(app).timeline_sources.append(ballot_timeline)
    eligibility_hooks(app).districts_rule = _districts_rule


def _districts_rule(edition: Edition) -> str:
    """Tell eligibility in how many districts a person votes (the ballot's setting; own until it is set)."""
    settings = db.session.get(BallotSettings, edition.id)
    return settings.districts_per_voter.value if settings is not None else "own"
