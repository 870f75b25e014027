"""Voter roll pages: a resident's eligibility and account link; staff summary, census, codes, front desk."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, make_response, redirect, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from civic.core.errors import DomainError
from civic.core.time import utcnow
from civic.eligibility import census, codes, queries, services
from civic.eligibility.forms import (
    AccessCodesForm,
    CensusConfirmForm,
    CensusUploadForm,
    InPersonForm,
    LinkCodeForm,
    LinkIdentifierForm,
    MinimumAgeForm,
    chosen_district,
)
from civic.eligibility.models import RollSource
from civic.eligibility.permissions import can_check_in_person, can_link_account, can_manage_roll
from civic.extensions import db, htmx, limiter
from civic.processes.models import Edition
from civic.processes.views import visible_edition_or_404
from civic.web.decorators import permission_required
from civic.web.limits import account_key, configured
from civic.web.rendering import render

bp = Blueprint("eligibility", __name__)
SOURCE_LABELS = {
    RollSource.CENSUS: _l("Census list"),
    RollSource.ACCESS_CODE: _l("Access codes"),
    RollSource.IN_PERSON: _l("In person"),
}
_link_by_account = limiter.shared_limit(
    configured("ROLL_LINK_RATE_LIMIT"), scope="roll-link", key_func=account_key
)
_link_by_address = limiter.shared_limit(
    configured("ROLL_LINK_ADDRESS_RATE_LIMIT"), scope="roll-link-address", key_func=get_remote_address
)


def _status_page(
    edition: Edition,
    *,
    identifier_form: LinkIdentifierForm | None = None,
    code_form: LinkCodeForm | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    user_id = current_user.id if current_user.is_authenticated else None
    opened = queries.vote_has_opened(edition, utcnow())
    names = {d.district_id: d.district.name for d in edition.districts}
    return render(
        "eligibility/status.html",
        fragment="eligibility/_link.html",
        edition=edition,
        standing=queries.standing(edition, user_id),
        may_link=current_user.is_authenticated and can_link_account(current_user.roles),
        identifier_form=identifier_form or LinkIdentifierForm(prefix="census", formdata=None),
        code_form=code_form or LinkCodeForm(prefix="code", formdata=None),
        message=message,
        roll_size=queries.roll_size(edition.id) if opened else None,
        by_district=queries.roll_size_by_district(edition.id) if opened else {},
        district_names=names,
        channel_labels=services.CHANNEL_LABELS,
        status=status,
    )


@bp.get("/editions/<edition_slug>/vote/eligibility")
def status(edition_slug: str) -> Response:
    return _status_page(visible_edition_or_404(edition_slug))


def _linked(edition: Edition) -> Response:
    db.session.commit()
    done = _("Your account is now linked to the voter roll.")
    if htmx:  # the swapped fragment now says where the person votes
        return _status_page(edition, message=done)
    flash(done, "success")
    return redirect(url_for("eligibility.status", edition_slug=edition.slug), 303)  # type: ignore[return-value]


@bp.post("/editions/<edition_slug>/vote/eligibility/identifier")
@login_required
@_link_by_account
@_link_by_address
def link_identifier(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = LinkIdentifierForm(prefix="census")
    if not form.validate_on_submit():
        return _status_page(edition, identifier_form=form, status=422)
    try:
        services.link_with_identifier(
            actor=current_user,
            edition=edition,
            identifier=form.identifier.data,
            birth_date=form.birth_date.data,
        )
    except DomainError as refusal:
        db.session.rollback()
        form.identifier.errors = [str(refusal.message)]
        return _status_page(edition, identifier_form=form, status=refusal.status_code)
    return _linked(edition)


@bp.post("/editions/<edition_slug>/vote/eligibility/code")
@login_required
@_link_by_account
@_link_by_address
def link_code(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = LinkCodeForm(prefix="code")
    if not form.validate_on_submit():
        return _status_page(edition, code_form=form, status=422)
    try:
        services.link_with_code(actor=current_user, edition=edition, code=form.code.data)
    except DomainError as refusal:
        db.session.rollback()
        form.code.errors = [str(refusal.message)]
        return _status_page(edition, code_form=form, status=refusal.status_code)
    return _linked(edition)


# --- staff ----------------------------------------------------------------------------------------


def _summary_page(edition: Edition, *, age_form: MinimumAgeForm | None = None, status: int = 200) -> Response:
    if age_form is None:
        age_form = MinimumAgeForm(formdata=None, minimum_voting_age=services.minimum_age(edition.id))
    return render(
        "eligibility/summary.html",
        edition=edition,
        rows=queries.roll_summary(edition),
        sources=list(RollSource),
        source_labels=SOURCE_LABELS,
        total=queries.roll_size(edition.id),
        age_form=age_form,
        vote_day=services.vote_day(edition),
        status=status,
    )


@bp.get("/staff/editions/<edition_slug>/roll")
@permission_required(can_manage_roll)
def summary(edition_slug: str) -> Response:
    return _summary_page(visible_edition_or_404(edition_slug))


@bp.post("/staff/editions/<edition_slug>/roll/minimum-age")
@permission_required(can_manage_roll)
def minimum_age(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = MinimumAgeForm()
    if not form.validate_on_submit():
        return _summary_page(edition, age_form=form, status=422)
    try:
        services.set_minimum_age(
            actor=current_user, edition=edition, minimum_voting_age=form.minimum_voting_age.data
        )
    except DomainError as refusal:
        db.session.commit()  # keeps the audit entry of the refused change
        form.minimum_voting_age.errors = [str(refusal.message)]
        return _summary_page(edition, age_form=form, status=refusal.status_code)
    db.session.commit()
    flash(_("The minimum age has been saved."), "success")
    return redirect(url_for("eligibility.summary", edition_slug=edition.slug), 303)  # type: ignore[return-value]


@bp.route("/staff/editions/<edition_slug>/roll/census", methods=["GET", "POST"])
@permission_required(can_manage_roll)
def census_upload(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = CensusUploadForm()
    if form.validate_on_submit():
        data = form.file.data.stream.read(census.max_bytes() + 1)
        try:
            result = census.preview_census(actor=current_user, edition=edition, data=data)
        except DomainError as refusal:
            form.file.errors = [str(refusal.message)]
        else:
            token = census.keep_upload(data, edition_id=edition.id, actor_id=current_user.id)
            return render(
                "eligibility/census_preview.html",
                edition=edition,
                result=result,
                form=CensusConfirmForm(formdata=None, token=token),
            )
    status = 422 if form.is_submitted() else 200
    return render("eligibility/census_upload.html", edition=edition, form=form, status=status)


@bp.post("/staff/editions/<edition_slug>/roll/census/confirm")
@permission_required(can_manage_roll)
def census_confirm(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = CensusConfirmForm()
    data = None
    if form.validate_on_submit():
        data = census.kept_upload(form.token.data, edition_id=edition.id, actor_id=current_user.id)
    if data is None:
        flash(_("This preview has expired: upload the file again."), "error")
        return redirect(url_for("eligibility.census_upload", edition_slug=edition.slug), 303)  # type: ignore[return-value]
    result = census.import_census(actor=current_user, edition=edition, data=data)
    db.session.commit()
    census.discard_upload(form.token.data, edition_id=edition.id, actor_id=current_user.id)
    flash(
        _(
            "Census list imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, "
            "%(refused)d lines refused.",
            new=result.new,
            updated=result.updated,
            unchanged=result.unchanged,
            refused=result.error_count,
        ),
        "success",
    )
    return redirect(url_for("eligibility.summary", edition_slug=edition.slug), 303)  # type: ignore[return-value]


@bp.route("/staff/editions/<edition_slug>/roll/codes", methods=["GET", "POST"])
@permission_required(can_manage_roll)
def access_codes(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = AccessCodesForm()
    form.fill_choices(edition)
    if form.validate_on_submit():
        letters = codes.generate_codes(
            actor=current_user,
            edition=edition,
            count=form.count.data,
            district_id=chosen_district(form.district_id),
        )
        pdf = codes.letters_pdf(edition, letters)
        db.session.commit()
        response = make_response(pdf)
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="access-codes-{edition.slug}.pdf"'
        response.headers["Cache-Control"] = "no-store"
        return response
    status = 422 if form.is_submitted() else 200
    return render("eligibility/codes.html", edition=edition, form=form, status=status)


@bp.route("/front-desk/editions/<edition_slug>/roll", methods=["GET", "POST"])
@permission_required(can_check_in_person)
def front_desk(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = _in_person_form(edition)
    if not form.validate_on_submit():
        return _front_desk_page(edition, form, status=422 if form.is_submitted() else 200)
    try:
        _entry, merged = services.add_in_person(
            actor=current_user,
            edition=edition,
            identifier=form.identifier.data,
            birth_date=form.birth_date.data,
            district_id=chosen_district(form.district_id),
        )
    except DomainError as refusal:
        db.session.rollback()
        form.identifier.errors = [str(refusal.message)]
        return _front_desk_page(edition, form, status=refusal.status_code)
    db.session.commit()
    flash(
        _("The person was already on the roll: their entry is updated.")
        if merged
        else _("The person has been added to the voter roll."),
        "success",
    )
    if htmx:  # a fresh form for the next person, the message out of band
        return _front_desk_page(edition, _in_person_form(edition, blank=True))
    return redirect(url_for("eligibility.front_desk", edition_slug=edition.slug), 303)  # type: ignore[return-value]


def _in_person_form(edition: Edition, *, blank: bool = False) -> InPersonForm:
    form = InPersonForm(formdata=None) if blank else InPersonForm()
    form.fill_choices(edition)
    return form


def _front_desk_page(edition: Edition, form: InPersonForm, *, status: int = 200) -> Response:
    return render(
        "eligibility/front_desk.html",
        fragment="eligibility/_front_desk_form.html",
        edition=edition,
        form=form,
        status=status,
    )


def register(app: Flask) -> None:
    """Register the blueprint (called from civic.create_app)."""
    app.register_blueprint(bp)
