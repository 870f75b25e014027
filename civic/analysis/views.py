"""Technical analysis: the analysts' queue and review form, the manager's screens, the holders' reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from civic.accounts.models import User
from civic.analysis import public, queries, services
from civic.analysis.forms import (
    AssignForm,
    ConfirmForm,
    MergeForm,
    NoteForm,
    PublishForm,
    QueueFilterForm,
    ReplyForm,
    ReviewForm,
    SendBackForm,
    ServiceForm,
    SettingsForm,
    StatusForm,
)
from civic.analysis.labels import (
    REASON_LABELS,
    STATE_LABELS,
    VERDICT_LABELS,
    reason_label,
    state_label,
    verdict_label,
)
from civic.analysis.models import MunicipalService, Review
from civic.analysis.permissions import can_use_analysis, can_work_on, is_manager
from civic.analysis.rules import EDITABLE, ReviewState, is_overdue
from civic.core.errors import InvalidInput
from civic.core.time import utcnow
from civic.extensions import db, limiter
from civic.processes.models import Edition
from civic.processes.permissions import can_view_edition
from civic.proposals.models import Proposal
from civic.proposals.statuses import needs_public_reason, next_statuses
from civic.web.decorators import permission_required
from civic.web.forms import add_problems
from civic.web.limits import account_key
from civic.web.rendering import render

bp = Blueprint("analysis", __name__)
bp.add_app_template_global(verdict_label, "verdict_label")
bp.add_app_template_global(reason_label, "reason_label")
bp.add_app_template_global(state_label, "analysis_state_label")
bp.add_app_template_global(can_use_analysis, "can_use_analysis")


def register(app: Flask) -> None:
    """Register the blueprint and fill the proposal hooks (timeline, panels, cost ranges)."""
    import civic.analysis.personal_data  # noqa: F401  (its export section registers on import)

    app.register_blueprint(bp)
    public.register_hooks(app)


# --- lookups --------------------------------------------------------------------------------------


def _visible_or_404(edition: Edition) -> None:
    """Editions in preparation are for administrators only (as everywhere else in the back office)."""
    if not can_view_edition(current_user.roles, published=edition.published):
        abort(404)


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    _visible_or_404(proposal.edition)
    return proposal


def _review_or_404(review_id: int) -> Review:
    review = db.get_or_404(Review, review_id)
    _visible_or_404(review.edition)
    if not can_work_on(current_user.roles, user_id=current_user.id, analyst_ids=review.analyst_ids()):
        abort(403)
    return review


def _edition_or_404(edition_slug: str) -> Edition:
    edition = db.one_or_404(select(Edition).where(Edition.slug == edition_slug))
    _visible_or_404(edition)
    return edition


def _manager_only() -> None:
    if not is_manager(current_user.roles):
        abort(403)


def _saved(form: FlaskForm, save: Callable[[], object], *, validate: bool = True) -> bool:
    """Run ``save`` on a valid submission and commit; put the services' refusals on the form."""
    if validate and not form.validate_on_submit():
        return False
    try:
        save()
    except InvalidInput as error:
        db.session.rollback()
        add_problems(form, error.problems)
        return False
    db.session.commit()
    return True


def _labels() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS,
        "verdict_labels": VERDICT_LABELS,
        "reason_labels": REASON_LABELS,
        "today": utcnow().date(),
        "is_overdue": lambda r: is_overdue(
            r.due_on.toordinal() if r.due_on else None, utcnow().date().toordinal(), r.state
        ),
    }


# --- the queue ------------------------------------------------------------------------------------


@bp.get("/staff/analysis")
@permission_required(can_use_analysis)
def queue() -> Response:
    form = QueueFilterForm(request.args)
    form.state.choices = [("", _("Any state"))] + [(s.value, str(label)) for s, label in STATE_LABELS.items()]
    editions = queries.editions_with_reviews()
    districts = sorted({d.district for e in editions for d in e.districts}, key=lambda d: d.name)
    form.district_id.choices = [("", _("Any district"))] + [(str(d.id), d.name) for d in districts]
    manager = is_manager(current_user.roles)
    filters = queries.QueueFilters(
        edition_id=request.args.get("edition_id", type=int),
        state=form.selected_state(),
        district_id=form.selected_district(),
        due=form.due.data or "",
    )
    reviews = queries.queue(
        user_id=None if manager else current_user.id, filters=filters, today=utcnow().date()
    )
    return render(
        "analysis/queue.html",
        fragment="analysis/_queue.html",
        form=form,
        reviews=reviews,
        editions=editions,
        manager=manager,
        **_labels(),
    )


# --- municipal services and settings --------------------------------------------------------------


@bp.route("/staff/analysis/services", methods=["GET", "POST"])
@permission_required(is_manager)
def service_list() -> Response:
    form = ServiceForm()
    if _saved(form, lambda: services.create_service(actor=current_user, name=form.name.data or "")):
        flash(_("The service is added."), "success")
        return redirect(url_for("analysis.service_list"), 303)  # type: ignore[return-value]
    return render(
        "analysis/services.html",
        form=form,
        services=queries.services(),
        rename_form=ServiceForm(formdata=None),
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/staff/analysis/services/<int:service_id>/rename")
@permission_required(is_manager)
def rename_service(service_id: int) -> Response:
    service = db.get_or_404(MunicipalService, service_id)
    form = ServiceForm()
    if _saved(
        form, lambda: services.rename_service(actor=current_user, service=service, name=form.name.data or "")
    ):
        flash(_("The service is renamed."), "success")
        return redirect(url_for("analysis.service_list"), 303)  # type: ignore[return-value]
    return render(
        "analysis/services.html",
        form=ServiceForm(formdata=None),
        services=queries.services(),
        rename_form=form,
        renaming=service.id,
        status=422,
    )


@bp.get("/staff/analysis/editions/<edition_slug>")
@permission_required(is_manager)
def edition_overview(edition_slug: str) -> Response:
    edition = _edition_or_404(edition_slug)
    return _overview(edition)


def _overview(edition: Edition, *, settings_form: SettingsForm | None = None, status: int = 200) -> Response:
    settings = services.settings_for(edition)
    return render(
        "analysis/edition.html",
        edition=edition,
        counts=queries.state_counts(edition),
        settings_form=settings_form or SettingsForm(formdata=None, reply_days=settings.reply_days),
        confirm_form=ConfirmForm(),
        publishable=len(queries.publishable(edition)),
        status=status,
        **_labels(),
    )


@bp.post("/staff/analysis/editions/<edition_slug>/open")
@permission_required(is_manager)
def open_analysis(edition_slug: str) -> Response:
    edition = _edition_or_404(edition_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    opened = services.open_analysis(actor=current_user, edition=edition)
    db.session.commit()
    flash(ngettext("%(num)d review opened.", "%(num)d reviews opened.", opened), "success")
    return redirect(url_for("analysis.edition_overview", edition_slug=edition.slug), 303)  # type: ignore[return-value]


@bp.post("/staff/analysis/editions/<edition_slug>/settings")
@permission_required(is_manager)
def edition_settings(edition_slug: str) -> Response:
    edition = _edition_or_404(edition_slug)
    form = SettingsForm()
    if _saved(
        form,
        lambda: services.set_reply_days(actor=current_user, edition=edition, reply_days=form.reply_days.data),
    ):
        flash(_("The settings are saved."), "success")
        return redirect(url_for("analysis.edition_overview", edition_slug=edition.slug), 303)  # type: ignore[return-value]
    return _overview(edition, settings_form=form, status=422)


def _publish_page(edition: Edition, reviews: list[Review], form: PublishForm, *, status: int) -> Response:
    return render(
        "analysis/publish.html", edition=edition, reviews=reviews, form=form, status=status, **_labels()
    )


@bp.route("/staff/analysis/editions/<edition_slug>/publish", methods=["GET", "POST"])
@permission_required(is_manager)
def publish(edition_slug: str) -> Response:
    """Choose validated reviews, confirm, then publish them as one batch (one e-mail per verdict)."""
    edition = _edition_or_404(edition_slug)
    candidates, form = queries.publishable(edition), PublishForm()
    if not form.validate_on_submit():
        return _publish_page(edition, candidates, form, status=422 if form.is_submitted() else 200)
    chosen = services.chosen_reviews(candidates, request.form.getlist("review_ids"))
    if not chosen:
        flash(_("Choose at least one validated review to publish."), "error")
        return _publish_page(edition, candidates, form, status=422)
    if form.confirmed.data != "yes":
        return render(
            "analysis/publish_confirm.html", edition=edition, reviews=chosen, form=form, **_labels()
        )
    count = services.publish(actor=current_user, reviews=chosen)
    db.session.commit()
    flash(_published_message(count), "success")
    return redirect(url_for("analysis.edition_overview", edition_slug=edition.slug), 303)  # type: ignore[return-value]


def _published_message(count: int) -> str:
    return ngettext(
        "%(num)d verdict published; its holders are told by e-mail.",
        "%(num)d verdicts published; their holders are told by e-mail.",
        count,
    )


# --- one review -----------------------------------------------------------------------------------


def _review_page(review: Review, status: int = 200, **forms: Any) -> Response:
    manager = is_manager(current_user.roles)
    review_form = forms.pop("review_form", None) or ReviewForm(formdata=None)
    review_form.fill_from(review)
    assign_form = forms.pop("assign_form", None) or AssignForm(
        formdata=None,
        service_id=review.service_id,
        analyst_ids=sorted(review.analyst_ids()),
        due_on=review.due_on,
    )
    assign_form.service_id.choices = [("", _("No service"))] + [(s.id, s.name) for s in queries.services()]
    assign_form.analyst_ids.choices = [(u.id, u.display_name or u.email or "") for u in queries.analysts()]
    window = services.reply_state(review)
    blocker = services.validation_blocker(review) if review.state is ReviewState.SUBMITTED else None
    return render(
        "analysis/review.html",
        review=review,
        proposal=review.proposal,
        manager=manager,
        editable=review.state in EDITABLE,
        review_form=review_form,
        assign_form=assign_form,
        note_form=forms.pop("note_form", None) or NoteForm(formdata=None),
        send_back_form=SendBackForm(formdata=None),
        confirm_form=ConfirmForm(),
        window=window,
        answer=review.current_reply(),
        blocker_message=services.BLOCKER_MESSAGES[blocker] if blocker else None,
        status=status,
        **_labels(),
    )


@bp.get("/staff/analysis/reviews/<int:review_id>")
@permission_required(can_use_analysis)
def review_detail(review_id: int) -> Response:
    return _review_page(_review_or_404(review_id))


@bp.post("/staff/analysis/reviews/<int:review_id>/assign")
@permission_required(is_manager)
def assign(review_id: int) -> Response:
    review = _review_or_404(review_id)
    form = AssignForm()
    form.service_id.choices = [("", "")] + [(s.id, s.name) for s in queries.services()]
    form.analyst_ids.choices = [(u.id, u.display_name or "") for u in queries.analysts()]

    def save() -> None:
        service = db.session.get(MunicipalService, form.service_id.data) if form.service_id.data else None
        people = [db.session.get(User, i) for i in form.analyst_ids.data or []]
        services.assign(
            actor=current_user,
            review=review,
            service=service,
            analysts=[p for p in people if p is not None],
            due_on=form.due_on.data,
        )

    if _saved(form, save):
        flash(_("The review is assigned."), "success")
        return redirect(url_for("analysis.review_detail", review_id=review.id), 303)  # type: ignore[return-value]
    return _review_page(review, status=422, assign_form=form)


@bp.post("/staff/analysis/reviews/<int:review_id>/save")
@permission_required(can_use_analysis)
def save_review(review_id: int) -> Response:
    review = _review_or_404(review_id)
    form = ReviewForm()
    submitting = request.form.get("action") == "submit"

    def save() -> None:
        services.save_review(actor=current_user, review=review, data=form.to_input())
        if submitting:
            services.submit_review(actor=current_user, review=review)

    if _saved(form, save):
        flash(
            _("The draft verdict is sent to the holders for their reply.")
            if submitting
            else _("The review is saved."),
            "success",
        )
        return redirect(url_for("analysis.review_detail", review_id=review.id), 303)  # type: ignore[return-value]
    db.session.refresh(review)
    return _review_page(review, status=422, review_form=form)


@bp.post("/staff/analysis/reviews/<int:review_id>/notes")
@permission_required(can_use_analysis)
def add_note(review_id: int) -> Response:
    review = _review_or_404(review_id)
    form = NoteForm()
    if _saved(form, lambda: services.add_note(actor=current_user, review=review, body=form.body.data or "")):
        flash(_("The note is added."), "success")
        return redirect(url_for("analysis.review_detail", review_id=review.id, _anchor="notes"), 303)  # type: ignore[return-value]
    return _review_page(review, status=422, note_form=form)


def _decided(review: Review, decide: Callable[[], object], message: str) -> Response:
    decide()
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("analysis.review_detail", review_id=review.id), 303)  # type: ignore[return-value]


@bp.post("/staff/analysis/reviews/<int:review_id>/validate")
@permission_required(is_manager)
def validate(review_id: int) -> Response:
    review = _review_or_404(review_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _decided(
        review,
        lambda: services.validate(actor=current_user, review=review),
        _("The verdict is validated: publish it with the next batch."),
    )


@bp.post("/staff/analysis/reviews/<int:review_id>/send-back")
@permission_required(is_manager)
def send_back(review_id: int) -> Response:
    review = _review_or_404(review_id)
    form = SendBackForm()
    if not form.validate_on_submit():
        abort(400)
    return _decided(
        review,
        lambda: services.send_back(actor=current_user, review=review, reason=form.reason.data or ""),
        _("The review is back in progress."),
    )


# --- proposals: open a review, move a status, merge -----------------------------------------------


@bp.post("/staff/analysis/proposals/<int:proposal_id>/open")
@permission_required(is_manager)
def open_review(proposal_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    review = services.open_review(actor=current_user, proposal=proposal)
    db.session.commit()
    flash(_("The review is opened."), "success")
    return redirect(url_for("analysis.review_detail", review_id=review.id), 303)  # type: ignore[return-value]


@bp.route("/staff/analysis/proposals/<int:proposal_id>/status", methods=["GET", "POST"])
@permission_required(is_manager)
def move_status(proposal_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    form = StatusForm()
    if form.validate_on_submit() and _saved(
        form,
        lambda: services.move_status(
            actor=current_user,
            proposal=proposal,
            status=form.status.data,
            public_reason=form.public_reason.data or "",
        ),
        validate=False,
    ):
        flash(_("The proposal's status is changed."), "success")
        return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return render(
        "analysis/status.html",
        proposal=proposal,
        form=form,
        choices=next_statuses(proposal.status),
        needs_reason=needs_public_reason,
        review=queries.review_for(proposal.id),
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/staff/analysis/proposals/<int:proposal_id>/merge", methods=["GET", "POST"])
@permission_required(is_manager)
def merge(proposal_id: int) -> Response:
    source = _proposal_or_404(proposal_id)
    form = MergeForm()
    targets = queries.merge_targets(source)
    form.target_id.choices = [("", _("Choose a proposal"))] + [
        (p.id, f"{p.reference} – {p.title}") for p in targets
    ]
    if form.validate_on_submit():
        target = next((p for p in targets if p.id == form.target_id.data), None)
        if target is None:
            form.target_id.errors = [_("Choose the proposal it joins.")]
        elif form.confirmed.data != "yes":
            return render("analysis/merge_confirm.html", source=source, target=target, form=form)
        elif _saved(
            form,
            lambda: services.merge(
                actor=current_user, source=source, target=target, reason=form.reason.data or ""
            ),
            validate=False,
        ):
            flash(_("The proposals are merged."), "success")
            return redirect(url_for("proposals.proposal_detail", proposal_id=target.id), 303)  # type: ignore[return-value]
    return render(
        "analysis/merge.html",
        source=source,
        form=form,
        targets=targets,
        status=422 if form.is_submitted() else 200,
    )


# --- the holders' reply ---------------------------------------------------------------------------


def _reply_limit() -> str:
    return str(current_app.config["ANALYSIS_REPLY_RATE_LIMIT"])


@bp.post("/proposals/<int:proposal_id>/analysis/reply")
@login_required
@limiter.limit(_reply_limit, key_func=account_key)
def reply(proposal_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    review = queries.review_for(proposal.id)
    if review is None or current_user.id not in proposal.holder_ids():
        abort(404)
    form = ReplyForm()
    if _saved(
        form,
        lambda: services.reply(
            actor=current_user,
            review=review,
            body=form.body.data or "",
            accepts_changes=bool(form.accepts_changes.data),
        ),
    ):
        flash(_("Thank you, your answer is recorded."), "success")
        return redirect(
            url_for("proposals.proposal_detail", proposal_id=proposal.id, _anchor="analysis-reply"), 303
        )  # type: ignore[return-value]
    return render(
        "analysis/reply.html",
        proposal=proposal,
        review=review,
        form=form,
        window=services.reply_state(review),
        status=422,
    )
