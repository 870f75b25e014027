"""In-person pages: the officer's screen, the kiosk, tally sheets typed twice, the polling places' minutes."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy.exc import IntegrityError

from civic.accounts import sessions
from civic.core.errors import DomainError
from civic.eligibility.permissions import can_check_in_person
from civic.extensions import db, htmx, limiter
from civic.processes.models import Edition
from civic.processes.queries import format_euros
from civic.processes.views import visible_edition_or_404
from civic.voting import ballot as ballot_services
from civic.voting import filling, tasks, townhall
from civic.voting.ballot_rules import Settings
from civic.voting.forms import ConfirmForm
from civic.voting.models import SheetState, TallySheet, VotePool
from civic.voting.townhall_forms import (
    InPersonVoteForm,
    LostTicketForm,
    RemarksForm,
    SheetHeaderForm,
    TicketForm,
)
from civic.web.decorators import permission_required
from civic.web.errors import error_response
from civic.web.limits import account_key, configured
from civic.web.rendering import render

bp = Blueprint("townhall", __name__)
IN_PERSON_LIMIT = configured("IN_PERSON_RATE_LIMIT")
# The kiosk's own (signed) session cookie: which edition it serves, the ticket being used, its drafts.
KIOSK = "kiosk_edition"
TICKET = "kiosk_ticket"
DRAFTS = "kiosk_drafts"
RECEIPT = "kiosk_receipt"
PLACE = "polling_place"


def _settings(edition: Edition) -> Settings:
    row = ballot_services.settings_of(edition)
    return row.rules() if row else abort(404)


def _see_other(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), 303)  # type: ignore[return-value]


def _common(edition: Edition) -> dict[str, Any]:
    return {"edition": edition, "euros": format_euros, "known_places": townhall.places(edition)}


# --- the officer's screen -------------------------------------------------------------------------


@bp.route("/front-desk/editions/<edition_slug>/in-person", methods=["GET", "POST"])
@permission_required(can_check_in_person)
@limiter.limit(IN_PERSON_LIMIT, methods=["POST"], key_func=account_key)
def in_person(edition_slug: str) -> Response:
    """Find the person on the roll, record their participation, give a kiosk ticket or a paper ballot."""
    edition = visible_edition_or_404(edition_slug)
    form = InPersonVoteForm(place=session.get(PLACE, ""))
    if not form.validate_on_submit():
        return _in_person_page(edition, form, status=422 if form.is_submitted() else 200)
    session[PLACE] = form.place.data.strip()
    try:
        done = townhall.record_in_person(
            actor=current_user,
            edition=edition,
            identifier=form.identifier.data,
            birth_date=form.birth_date.data,
            medium=form.medium.data,
            place=form.place.data,
        )
    except DomainError as refusal:
        db.session.rollback()
        form.identifier.errors = [str(refusal.message)]
        return _in_person_page(edition, form, status=refusal.status_code)
    db.session.commit()
    ticket = townhall.shown_ticket(done.ticket) if done.ticket else None
    return render("townhall/recorded.html", ticket=ticket, done=done, **_common(edition))


def _in_person_page(
    edition: Edition, form: InPersonVoteForm, *, lost: LostTicketForm | None = None, status: int = 200
) -> Response:
    return render(
        "townhall/in_person.html",
        form=form,
        lost_form=lost or LostTicketForm(prefix="lost", formdata=None),
        lost_open=lost is not None,
        kiosk_form=ConfirmForm(),
        status=status,
        **_common(edition),
    )


@bp.post("/front-desk/editions/<edition_slug>/in-person/new-ticket")
@permission_required(can_check_in_person)
@limiter.limit(IN_PERSON_LIMIT, key_func=account_key)
def replace_ticket(edition_slug: str) -> Response:
    """A new kiosk ticket for a person who lost theirs (the old one stops working)."""
    edition = visible_edition_or_404(edition_slug)
    lost = LostTicketForm(prefix="lost")
    form = InPersonVoteForm(place=session.get(PLACE, ""), formdata=None)
    if not lost.validate_on_submit():
        return _in_person_page(edition, form, lost=lost, status=422)
    try:
        done = townhall.replace_ticket(
            actor=current_user,
            edition=edition,
            identifier=lost.identifier.data,
            birth_date=lost.birth_date.data,
        )
    except DomainError as refusal:
        db.session.rollback()
        lost.identifier.errors = [str(refusal.message)]
        return _in_person_page(edition, form, lost=lost, status=refusal.status_code)
    db.session.commit()
    ticket = townhall.shown_ticket(done.ticket or "")
    return render("townhall/recorded.html", ticket=ticket, done=done, replaced=True, **_common(edition))


@bp.post("/front-desk/editions/<edition_slug>/kiosk")
@permission_required(can_check_in_person)
def enable_kiosk(edition_slug: str) -> Response:
    """Turn this device into the edition's kiosk: the officer is logged out, the kiosk needs no account."""
    edition = visible_edition_or_404(edition_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.end_session(token=current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    session[KIOSK] = edition.slug
    return _see_other("townhall.kiosk", edition_slug=edition.slug)


# --- the kiosk ------------------------------------------------------------------------------------


def _kiosk_edition(edition_slug: str) -> Edition:
    edition = visible_edition_or_404(edition_slug)
    if session.get(KIOSK) != edition.slug:
        abort(error_response(403, _("This page works only on a kiosk enabled by a front-desk officer.")))
    return edition


def _reset_kiosk() -> None:
    for key in (TICKET, DRAFTS):
        session.pop(key, None)


def _kiosk_page(template: str, edition: Edition, status: int = 200, **context: Any) -> Response:
    return render(template, status=status, reset_form=ConfirmForm(), **_common(edition), **context)


def _ticket_boxes(edition: Edition) -> townhall.Boxes | None:
    """The boxes of the ticket in use (None when there is none, or it was used or dropped meanwhile)."""
    typed = session.get(TICKET)
    if not typed:
        return None
    try:
        return townhall.ticket_boxes(edition, townhall.open_ticket(edition, typed))
    except DomainError:
        return None


@bp.route("/editions/<edition_slug>/kiosk", methods=["GET", "POST"])
@limiter.limit(configured("KIOSK_TICKET_RATE_LIMIT"), methods=["POST"])
def kiosk(edition_slug: str) -> Response:
    """The kiosk's first screen: the voter types the ticket the officer gave them."""
    edition = _kiosk_edition(edition_slug)
    form = TicketForm()
    if request.method == "GET" and _ticket_boxes(edition) is not None:
        return _see_other("townhall.kiosk_boxes", edition_slug=edition.slug)
    if not form.validate_on_submit():
        return _kiosk_page(
            "townhall/kiosk.html", edition, form=form, status=422 if form.is_submitted() else 200
        )
    try:
        townhall.open_ticket(edition, form.ticket.data)
    except DomainError as refusal:
        form.ticket.errors = [str(refusal.message)]
        return _kiosk_page("townhall/kiosk.html", edition, form=form, status=refusal.status_code)
    session[TICKET] = townhall.normalised_ticket(form.ticket.data)
    session[DRAFTS] = {}
    return _see_other("townhall.kiosk_boxes", edition_slug=edition.slug)


@bp.get("/editions/<edition_slug>/kiosk/ballots")
def kiosk_boxes(edition_slug: str) -> Response:
    """The boxes the ticket opens (straight to the ballot when there is one)."""
    edition = _kiosk_edition(edition_slug)
    boxes = _ticket_boxes(edition)
    if boxes is None:
        _reset_kiosk()
        return _see_other("townhall.kiosk", edition_slug=edition.slug)
    if len(boxes.all) == 1:
        return _see_other("townhall.kiosk_ballot", edition_slug=edition.slug, pool_id=boxes.all[0].id)
    drafts = session.get(DRAFTS, {})
    return _kiosk_page("townhall/kiosk_boxes.html", edition, boxes=boxes, drafted=set(drafts))


def _kiosk_order(pool: VotePool) -> list[Any]:
    projects = list(pool.projects)
    # One order for this voter (their ticket), another for the next: no project favoured by its place.
    seed = int(townhall.ticket_hash(session.get(TICKET, ""))[:12], 16)
    random.Random(seed * 1_000_003 + pool.id).shuffle(projects)  # noqa: S311 (display order)
    return projects


def _kiosk_ballot_page(
    edition: Edition, pool: VotePool, settings: Settings, reading: filling.Reading, status: int = 200
) -> Response:
    return render(
        "townhall/kiosk_ballot.html",
        fragment="voting/_basket.html",
        status=status,
        pool=pool,
        projects=_kiosk_order(pool),
        settings=settings,
        basket=filling.basket(settings, pool, reading),
        place=townhall.place_of(pool),
        reset_form=ConfirmForm(),
        **_common(edition),
    )


@bp.route("/editions/<edition_slug>/kiosk/ballots/<int:pool_id>", methods=["GET", "POST"])
@limiter.limit(configured("BALLOT_DRAFT_RATE_LIMIT"), methods=["POST"])
def kiosk_ballot(edition_slug: str, pool_id: int) -> Response:
    """A ballot at the kiosk: the same form and basket as online, kept in the kiosk's session until cast."""
    edition = _kiosk_edition(edition_slug)
    boxes = _ticket_boxes(edition)
    pool = next((p for p in boxes.all if p.id == pool_id), None) if boxes else None
    if pool is None:
        return _see_other("townhall.kiosk", edition_slug=edition.slug)
    settings = _settings(edition)
    drafts = session.setdefault(DRAFTS, {})
    if request.method == "GET":
        return _kiosk_ballot_page(edition, pool, settings, filling.read_draft(pool, drafts.get(str(pool.id))))
    reading = filling.read_form(settings, pool, request.form)
    drafts[str(pool.id)] = reading.as_draft()
    session.modified = True
    if htmx or not filling.can_review(settings, pool, reading):
        return _kiosk_ballot_page(edition, pool, settings, reading, status=200 if htmx else 422)
    return _see_other("townhall.kiosk_review", edition_slug=edition.slug)


def _kiosk_drafted(edition: Edition, boxes: townhall.Boxes) -> list[tuple[VotePool, filling.Reading]]:
    drafts = session.get(DRAFTS, {})
    read = [(pool, filling.read_draft(pool, drafts.get(str(pool.id)))) for pool in boxes.all]
    return [(pool, reading) for pool, reading in read if reading.projects]


def _kiosk_review_page(edition: Edition, message: object = None, status: int = 200) -> Response:
    boxes = _ticket_boxes(edition)
    if boxes is None and message is None:
        _reset_kiosk()
        return _see_other("townhall.kiosk", edition_slug=edition.slug)
    settings = _settings(edition)
    drafted = _kiosk_drafted(edition, boxes) if boxes else []
    return _kiosk_page(
        "townhall/kiosk_review.html",
        edition,
        status=status,
        settings=settings,
        baskets=[(pool, filling.basket(settings, pool, reading)) for pool, reading in drafted],
        boxes=boxes,
        message=message,
        form=ConfirmForm(),
    )


@bp.get("/editions/<edition_slug>/kiosk/review")
def kiosk_review(edition_slug: str) -> Response:
    return _kiosk_review_page(_kiosk_edition(edition_slug))


@bp.post("/editions/<edition_slug>/kiosk/cast")
@limiter.limit(configured("KIOSK_TICKET_RATE_LIMIT"))
def kiosk_cast(edition_slug: str) -> Response:
    """Cast at the kiosk: the ticket is used and the ballots go into the pool, one transaction."""
    edition = _kiosk_edition(edition_slug)
    settings = _settings(edition)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    boxes = _ticket_boxes(edition)
    try:
        cast = townhall.cast_at_kiosk(
            edition=edition,
            settings=settings,
            typed_ticket=session.get(TICKET, ""),
            ballots=_kiosk_drafted(edition, boxes) if boxes else [],
        )
    except DomainError as refusal:
        db.session.rollback()
        return _kiosk_review_page(edition, message=refusal.message, status=refusal.status_code)
    db.session.commit()
    tasks.mix_edition(edition.id)  # after the commit: the mixer must find the ballots
    _reset_kiosk()
    session[RECEIPT] = [[c.place, c.tracker] for c in cast]
    return _see_other("townhall.kiosk_done", edition_slug=edition.slug)


@bp.get("/editions/<edition_slug>/kiosk/done")
def kiosk_done(edition_slug: str) -> Response:
    """The trackers, once, printable; the kiosk is then ready for the next voter."""
    edition = _kiosk_edition(edition_slug)
    cast = session.pop(RECEIPT, None)
    if not cast:
        return _see_other("townhall.kiosk", edition_slug=edition.slug)
    response = _kiosk_page("townhall/kiosk_done.html", edition, cast=cast)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/editions/<edition_slug>/kiosk/reset")
def kiosk_reset(edition_slug: str) -> Response:
    """Leave without casting: the drafts are forgotten, the ticket stays usable."""
    edition = _kiosk_edition(edition_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _reset_kiosk()
    return _see_other("townhall.kiosk", edition_slug=edition.slug)


# --- paper tally sheets ---------------------------------------------------------------------------


def _header(edition: Edition) -> SheetHeaderForm:
    if request.method == "GET":
        form = SheetHeaderForm(formdata=request.args if request.args else None, meta={"csrf": False})
    else:
        form = SheetHeaderForm()
    form.fill_choices(ballot_services.public_pools(edition))
    return form


@bp.get("/front-desk/editions/<edition_slug>/sheets")
@permission_required(can_check_in_person)
def sheets(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = SheetHeaderForm(formdata=None, meta={"csrf": False})
    form.fill_choices(ballot_services.public_pools(edition))
    form.place.data = session.get(PLACE, "")
    return render("townhall/sheets.html", form=form, sheets=townhall.sheets_of(edition), **_common(edition))


def _chosen_pool(edition: Edition, form: SheetHeaderForm) -> VotePool | None:
    raw = str(form.pool.data or "")
    return next((p for p in ballot_services.public_pools(edition) if str(p.id) == raw), None)


def _count(form: SheetHeaderForm, default: int = 1) -> int:
    value = form.ballots.data if isinstance(form.ballots.data, int) else default
    return max(0, min(value, townhall.MAX_SHEET_BALLOTS))


def _sheet_form_page(
    edition: Edition,
    form: SheetHeaderForm,
    pool: VotePool | None,
    readings: list[filling.Reading],
    *,
    problems: dict[int, list[str]] | None = None,
    message: object = None,
    sheet: TallySheet | None = None,
    status: int = 200,
) -> Response:
    return render(
        "townhall/sheet_form.html",
        form=form,
        pool=pool,
        projects=list(pool.projects) if pool else [],
        settings=_settings(edition),
        readings=readings,
        problems=problems or {},
        message=message,
        sheet=sheet,
        status=status,
        **_common(edition),
    )


def _sheet_post(
    edition: Edition,
    form: SheetHeaderForm,
    pool: VotePool,
    sheet: TallySheet | None,
    save: Callable[[list[filling.Reading], int], TallySheet],
) -> Response:
    """Read the typed ballots; show the page again (another number of ballots, a problem) or save the entry."""
    settings = _settings(edition)
    readings = townhall.read_sheet(settings, pool, request.form, _count(form))
    if request.form.get("step") == "count":
        return _sheet_form_page(edition, form, pool, readings, sheet=sheet)
    problems = townhall.sheet_problems(settings, pool, readings)
    if not form.validate_on_submit() or problems:
        return _sheet_form_page(edition, form, pool, readings, problems=problems, sheet=sheet, status=422)
    try:
        saved = save(readings, form.blank.data or 0)
        db.session.commit()
    except DomainError as refusal:
        db.session.rollback()
        status = refusal.status_code
        return _sheet_form_page(
            edition, form, pool, readings, message=refusal.message, sheet=sheet, status=status
        )
    except IntegrityError:  # another officer saved this sheet (or sealed a batch) at the same moment
        db.session.rollback()
        message = _("Another officer saved this sheet at the same moment: look at it again, then type it.")
        return _sheet_form_page(edition, form, pool, readings, message=message, sheet=sheet, status=409)
    session[PLACE] = saved.place
    flash(_sheet_message(saved), "success" if saved.state is not SheetState.DIFFERS else "warning")
    return _see_other("townhall.sheet_page", edition_slug=edition.slug, sheet_id=saved.id)


@bp.route("/front-desk/editions/<edition_slug>/sheets/new", methods=["GET", "POST"])
@permission_required(can_check_in_person)
@limiter.limit(IN_PERSON_LIMIT, methods=["POST"], key_func=account_key)
def sheet_new(edition_slug: str) -> Response:
    """Type a tally sheet: its header, then each paper ballot with the ballot's own fields."""
    edition = visible_edition_or_404(edition_slug)
    form = _header(edition)
    pool = _chosen_pool(edition, form)
    if request.method == "GET" and not request.args:
        return _see_other("townhall.sheets", edition_slug=edition.slug)
    if request.method == "GET" or pool is None:
        empty = [filling.Reading((), None)] * _count(form)
        return _sheet_form_page(edition, form, pool, empty, status=200 if request.method == "GET" else 422)

    def save(readings: list[filling.Reading], blank: int) -> TallySheet:
        return townhall.type_sheet(
            actor=current_user,
            edition=edition,
            settings=_settings(edition),
            pool=pool,
            place=form.place.data,
            number=form.number.data or 1,
            readings=readings,
            blank=blank,
        )

    return _sheet_post(edition, form, pool, None, save)


def _sheet_message(sheet: TallySheet) -> str:
    if sheet.state is SheetState.ACCEPTED:
        return str(_("The two entries match: the sheet is accepted and its ballots are in the box."))
    if sheet.state is SheetState.DIFFERS:
        return str(_("The two entries differ: compare them and correct the wrong one."))
    return str(_("The sheet is typed once: a second, different officer must now type it."))


def _sheet_or_404(edition: Edition, sheet_id: int) -> TallySheet:
    try:
        return townhall.find_sheet(edition, sheet_id)
    except DomainError:
        abort(404)


@bp.get("/front-desk/editions/<edition_slug>/sheets/<int:sheet_id>")
@permission_required(can_check_in_person)
def sheet_page(edition_slug: str, sheet_id: int) -> Response:
    """A sheet's state: typed once, the two entries' differences, or accepted."""
    edition = visible_edition_or_404(edition_slug)
    sheet = _sheet_or_404(edition, sheet_id)
    return render(
        "townhall/sheet.html",
        sheet=sheet,
        mine=next((e for e in sheet.entries if e.officer_id == current_user.id), None),
        differences=townhall.differences(sheet),
        place=townhall.place_of(sheet.pool),
        **_common(edition),
    )


@bp.route("/front-desk/editions/<edition_slug>/sheets/<int:sheet_id>/correct", methods=["GET", "POST"])
@permission_required(can_check_in_person)
@limiter.limit(IN_PERSON_LIMIT, methods=["POST"], key_func=account_key)
def sheet_correct(edition_slug: str, sheet_id: int) -> Response:
    """Correct one's own entry of a sheet (audited); matching entries then accept it."""
    edition = visible_edition_or_404(edition_slug)
    sheet = _sheet_or_404(edition, sheet_id)
    mine = next((e for e in sheet.entries if e.officer_id == current_user.id), None)
    if mine is None or sheet.state is SheetState.ACCEPTED:
        return _see_other("townhall.sheet_page", edition_slug=edition.slug, sheet_id=sheet.id)
    if request.method == "GET":
        form = SheetHeaderForm(
            formdata=None, meta={"csrf": False}, ballots=len(mine.ballots), blank=mine.blank
        )
        readings = townhall.entry_readings(sheet.pool, mine)
        return _sheet_form_page(edition, form, sheet.pool, readings, sheet=sheet)
    form = _header(edition)
    form.pool.data, form.place.data, form.number.data = str(sheet.pool_id), sheet.place, sheet.number

    def save(readings: list[filling.Reading], blank: int) -> TallySheet:
        settings = _settings(edition)
        return townhall.correct_entry(
            actor=current_user,
            edition=edition,
            settings=settings,
            sheet=sheet,
            readings=readings,
            blank=blank,
        )

    return _sheet_post(edition, form, sheet.pool, sheet, save)


# --- reconciliation and minutes -------------------------------------------------------------------


@bp.get("/front-desk/editions/<edition_slug>/minutes")
@permission_required(can_check_in_person)
def minutes(edition_slug: str) -> Response:
    """Every polling place's figures, and the kiosk ballots of the whole edition."""
    edition = visible_edition_or_404(edition_slug)
    figures = [townhall.place_figures(edition, place) for place in townhall.places(edition)]
    return render(
        "townhall/minutes.html",
        figures=figures,
        kiosk=townhall.kiosk_figures(edition),
        pools=ballot_services.public_pools(edition),
        place_of=townhall.place_of,
        **_common(edition),
    )


@bp.route("/front-desk/editions/<edition_slug>/minutes/place", methods=["GET", "POST"])
@permission_required(can_check_in_person)
@limiter.limit(IN_PERSON_LIMIT, methods=["POST"], key_func=account_key)
def place_minutes(edition_slug: str) -> Response:
    """A polling place's minutes (procès-verbal): figures, what does not add up, the officer's remarks."""
    edition = visible_edition_or_404(edition_slug)
    place = (request.values.get("place") or "").strip()[:200]
    if place not in townhall.places(edition):
        abort(404)
    figures = townhall.place_figures(edition, place)
    form = RemarksForm(formdata=None, remarks=figures.remarks) if request.method == "GET" else RemarksForm()
    if form.validate_on_submit():
        townhall.save_remarks(
            actor=current_user, edition=edition, place=place, remarks=form.remarks.data or ""
        )
        db.session.commit()
        flash(_("The remarks of the minutes have been saved."), "success")
        return redirect(url_for("townhall.place_minutes", edition_slug=edition.slug, place=place), 303)  # type: ignore[return-value]
    return render(
        "townhall/place_minutes.html",
        figures=figures,
        form=form,
        place_of=townhall.place_of,
        status=422 if form.is_submitted() else 200,
        **_common(edition),
    )
