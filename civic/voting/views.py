"""The ballot: staff choose its settings and build it from the analysed proposals; the public reads it."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import datetime

from flask import Blueprint, Flask, abort, flash, g, jsonify, redirect, request, session, url_for
from flask.wrappers import Response
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.core.database import commit_keeping_loaded
from civic.core.errors import DomainError, InvalidInput, ValidationFailed
from civic.core.time import utcnow
from civic.eligibility import queries as roll
from civic.extensions import db, htmx, limiter
from civic.processes.models import Edition
from civic.processes.phases import Action, is_allowed
from civic.processes.queries import format_euros
from civic.processes.views import visible_edition_or_404
from civic.proposals import hooks
from civic.proposals.models import ProposalStatus
from civic.proposals.views import _visitor_seed
from civic.tally import pabulib
from civic.voting import ballot as services
from civic.voting import casting, filling, mixer, sealing, tasks
from civic.voting.ballot_rules import Settings, min_spend_cents
from civic.voting.board import shown_tracker, well_formed_tracker
from civic.voting.context import vote_context
from civic.voting.forms import BallotSettingsForm, BuildForm, CityProjectForm, ConfirmForm
from civic.voting.labels import (
    DISTRICTS_LABELS,
    FORMAT_LABELS,
    RULE_EXPLANATIONS,
    RULE_LABELS,
    SCOPE_LABELS,
    format_sentence,
)
from civic.voting.models import VotePool
from civic.voting.pabulib_io import export_pabulib
from civic.voting.permissions import can_manage_ballot
from civic.web.decorators import permission_required
from civic.web.errors import error_response
from civic.web.forms import add_problems
from civic.web.limits import account_key, configured, succeeded
from civic.web.page_cache import cached_for_anonymous
from civic.web.rendering import render

bp = Blueprint("voting", __name__)
bp.add_app_template_global(can_manage_ballot, "can_manage_ballot")
bp.add_app_template_filter(shown_tracker, "tracker")


@bp.app_template_filter("format_day")
def _format_day(value: datetime) -> str:
    # A batch shows its day only: nothing finer than the batch is published about when ballots came.
    return format_date(value, "long")


WRITE_LIMIT = configured("PROPOSAL_WRITE_RATE_LIMIT")
# The trackers of the ballots just cast, kept in the voter's own (signed) session cookie: on their device only.
RECEIPT = "ballot_receipt"


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
    # Held for the request: the session's identity map is weak, and the districts rule and the casting
    # read the same row again (a second query once nothing refers to it).
    g.setdefault("ballot_settings_rows", {})[edition.id] = row
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


@bp.get("/editions/<edition_slug>/board")
def public_board(edition_slug: str) -> Response:
    """The public board: sealed batches of trackers, chained and signed; JSON for ``Accept: application/json``."""
    edition = visible_edition_or_404(edition_slug, with_everything=False)
    view = mixer.board_view(edition)
    if view.seal is not None:
        view = dataclasses.replace(view, counts=sealing.reconcile(edition))
    asked = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if request.args.get("format") == "json" or asked == "application/json":
        response = jsonify(mixer.board_document(edition, view))
    else:
        response = render("voting/board.html", edition=edition, board=view)
    response.vary.add("Accept")
    return response


@bp.get("/editions/<edition_slug>/board/check")
@limiter.limit(configured("TRACKER_CHECK_RATE_LIMIT"))
def check_ballot(edition_slug: str) -> Response:
    """Check my ballot: find a tracker on the board and show its batch and content."""
    edition = visible_edition_or_404(edition_slug, with_everything=False)
    typed = request.args.get("tracker", "").strip()[:64]
    malformed = bool(typed) and not well_formed_tracker(typed)
    found = mixer.find_tracker(edition, typed) if typed and not malformed else None
    status = 422 if malformed else 404 if found is not None and found.state == "unknown" else 200
    return render(
        "voting/check.html", edition=edition, typed=typed, found=found, malformed=malformed, status=status
    )


# --- filling in a ballot -----------------------------------------------------------------------------


def _vote_open(edition: Edition) -> bool:
    return is_allowed(edition.calendar, utcnow(), Action.VOTE, city_list=edition.is_city_list)


def _ballot_box(edition_slug: str, pool_id: int) -> tuple[Edition, VotePool, Settings]:
    edition = visible_edition_or_404(edition_slug)
    pool = next((p for p in services.public_pools(edition) if p.id == pool_id), None)
    settings = _settings(edition)
    if pool is None or settings is None:
        abort(404)
    return edition, pool, settings


def _drafts() -> dict[str, dict[str, list[int]]]:
    return session.setdefault(filling.DRAFTS, {})  # type: ignore[no-any-return]


def _ballot_page(
    edition: Edition, pool: VotePool, settings: Settings, reading: filling.Reading, status: int = 200
) -> Response:
    submitted = status == 422  # a plain post that cannot go on to the review: say everything that is wrong
    projects = list(pool.projects)
    # The same order for one visitor on every visit, a different one for the next: no project favoured.
    random.Random(_visitor_seed() * 1_000_003 + pool.id).shuffle(projects)  # noqa: S311 (display order)
    context = {
        "edition": edition,
        "pool": pool,
        "projects": projects,
        "settings": settings,
        "basket": filling.basket(settings, pool, reading, submitted=submitted),
        "submitted": submitted,
        "open_now": _vote_open(edition),
        "sentence": _format_sentence(settings, pool.budget_cents),
        "standing": roll.standing(edition, current_user.id),
        "votes_here": pool in casting.allowed_pools(edition, settings, [pool], current_user),
    }
    return render("voting/vote.html", fragment="voting/_basket.html", status=status, **context, **_labels())


@bp.get("/editions/<edition_slug>/vote")
@login_required
def vote_home(edition_slug: str) -> Response:
    """Choose the ballot box to fill in (one per district, or the whole town's)."""
    edition = visible_edition_or_404(edition_slug)
    settings = _settings(edition)
    built = services.public_pools(edition)
    pools = casting.allowed_pools(edition, settings, built, current_user) if settings else []
    standing = roll.standing(edition, current_user.id)
    again = _may_vote_again(edition, settings, standing)
    context = {"edition": edition, "pools": pools, "built": built, "standing": standing, "again": again}
    return render("voting/vote_home.html", open_now=_vote_open(edition), **context)


@bp.route("/editions/<edition_slug>/vote/<int:pool_id>", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("BALLOT_DRAFT_RATE_LIMIT"), methods=["POST"], key_func=account_key)
def fill_ballot(edition_slug: str, pool_id: int) -> Response:
    """The ballot: tick, give points or rank; htmx keeps the basket live; the draft survives leaving."""
    edition, pool, settings = _ballot_box(edition_slug, pool_id)
    if request.method == "GET":
        return _ballot_page(edition, pool, settings, filling.read_draft(pool, _drafts().get(str(pool.id))))
    reading = filling.read_form(settings, pool, request.form)
    _drafts()[str(pool.id)] = reading.as_draft()
    session.modified = True
    if htmx or not filling.can_review(settings, pool, reading):
        return _ballot_page(edition, pool, settings, reading, status=200 if htmx else 422)
    return redirect(url_for("voting.review_ballot", edition_slug=edition.slug), 303)  # type: ignore[return-value]


def _drafted(
    edition: Edition, settings: Settings, boxes: Sequence[VotePool] | None = None
) -> list[tuple[VotePool, filling.Reading]]:
    """The person's drafts for the boxes they may vote in, in the boxes' order (``boxes``: the edition's)."""
    drafts = _drafts()
    every = services.public_pools(edition) if boxes is None else boxes
    pools = casting.allowed_pools(edition, settings, every, current_user)
    read = [(pool, filling.read_draft(pool, drafts.get(str(pool.id)))) for pool in pools]
    return [(pool, reading) for pool, reading in read if reading.projects]


def _may_vote_again(edition: Edition, settings: Settings | None, standing: roll.Standing) -> bool:
    """Tell whether this person, who took part already, may vote online again (revote allowed)."""
    p = standing.participation
    return p is not None and settings is not None and casting.may_revote(edition, settings, p)


def _review_page(edition: Edition, settings: Settings, message: object = None, status: int = 200) -> Response:
    drafted = _drafted(edition, settings)
    standing = roll.standing(edition, current_user.id)
    if not drafted and message is None:
        return redirect(url_for("voting.vote_home", edition_slug=edition.slug), 303)  # type: ignore[return-value]
    return render(
        "voting/review.html",
        edition=edition,
        settings=settings,
        baskets=[(pool, filling.basket(settings, pool, reading)) for pool, reading in drafted],
        standing=standing,
        again=_may_vote_again(edition, settings, standing),
        open_now=_vote_open(edition),
        message=message,
        form=ConfirmForm(),
        status=status,
        **_labels(),
    )


@bp.get("/editions/<edition_slug>/vote/review")
@login_required
def review_ballot(edition_slug: str) -> Response:
    """The review step: the ballots as they will be cast, to change or to cast in one click."""
    edition = visible_edition_or_404(edition_slug)
    return _review_page(edition, _settings(edition) or abort(404))


@bp.post("/editions/<edition_slug>/vote/cast")
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def cast_ballot(edition_slug: str) -> Response:
    """Cast: one participation and the ballots, one transaction; the trackers are shown once, after."""
    # The edition, its settings and boxes as this process keeps them while the content does not change.
    vote = vote_context(edition_slug) or abort(404)
    settings = vote.settings or abort(404)
    # The form carries only the CSRF token, which CSRFProtect checked before this view (a 400 if wrong).
    try:
        ballots = _drafted(vote, settings, vote.boxes)  # type: ignore[arg-type]
        cast = casting.cast_ballots(actor=current_user, edition=vote, settings=settings, ballots=ballots)
    except DomainError as refusal:
        db.session.rollback()
        edition = visible_edition_or_404(edition_slug)
        return _review_page(edition, settings, message=refusal.message, status=refusal.status_code)
    # Kept loaded: the account is read again after the commit (the locale, the session's person).
    commit_keeping_loaded()
    tasks.request_mix(vote.id)  # after the commit: the mixer must find the ballots
    session.pop(filling.DRAFTS, None)
    session[RECEIPT] = {"edition": vote.slug, "cast": [[c.place, c.tracker] for c in cast]}
    return redirect(url_for("voting.receipt", edition_slug=vote.slug), 303)  # type: ignore[return-value]


@bp.get("/editions/<edition_slug>/vote/receipt")
@login_required
def receipt(edition_slug: str) -> Response:
    """The trackers of the ballots just cast, on screen and printable (kept on this device only)."""
    edition = visible_edition_or_404(edition_slug)
    kept = session.get(RECEIPT) or {}
    cast = kept.get("cast", []) if kept.get("edition") == edition.slug else []
    standing = roll.standing(edition, current_user.id)
    return render("voting/receipt.html", edition=edition, cast=cast, standing=standing)


@bp.get("/editions/<edition_slug>/ballots.pb")
def ballots_file(edition_slug: str) -> Response:
    """The ballots in pabulib format, voter ids = trackers, once the vote is over and its last batch sealed."""
    edition = visible_edition_or_404(edition_slug)
    if not tasks.vote_has_ended(edition) or mixer.waiting(edition):
        return error_response(
            409, _("The ballots are published once the vote is closed and its last batch sealed.")
        )
    pools = services.public_pools(edition)
    wanted = request.args.get("district")
    chosen = [p for p in pools if (p.district.slug if p.district else None) == wanted] if wanted else pools
    if len(chosen) != 1:
        names = ", ".join(f"?district={p.district.slug}" for p in pools if p.district) or "—"
        return error_response(404, _("Choose one ballot box: %(choices)s.", choices=names))
    text = pabulib.write_string(export_pabulib(chosen[0], trackers=True))
    name = f"{edition.slug}{'-' + wanted if wanted else ''}.pb"
    return Response(
        text, mimetype="text/plain", headers={"Content-Disposition": f'inline; filename="{name}"'}
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


def _districts_rule(edition: Edition) -> str:
    settings = _settings(edition)
    return settings.districts_per_voter.value if settings else "own"


def register(app: Flask) -> None:
    """Register the blueprint, the ballot's line on every timeline, the districts rule for eligibility."""
    from civic.eligibility.hooks import eligibility_hooks

    # Eligibility sits below voting: tell it the edition's "districts per voter" setting.
    eligibility_hooks(app).districts_rule = _districts_rule
    # ... and how a vote in person supersedes an online ballot where "paper cancels online" is on.
    eligibility_hooks(app).online_cancellation = casting.online_cancellation
    app.register_blueprint(bp)
    from civic.voting.townhall_views import bp as townhall_bp

    app.register_blueprint(townhall_bp)
    hooks.proposal_hooks(app).timeline_sources.append(ballot_timeline)
