"""Pre-selection pages: supporting (htmx or plain form), the rules screen, results, front desk, days."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, send_from_directory, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from civic.core.database import commit_keeping_loaded
from civic.core.errors import DomainError, InvalidInput
from civic.core.time import utcnow
from civic.extensions import db, htmx, limiter
from civic.preselection import days, queries, services
from civic.preselection.forms import (
    MODE_LABELS,
    THRESHOLD_LABELS,
    TIE_LABELS,
    WITHDRAWAL_LABELS,
    AttachmentForm,
    ConfirmForm,
    DecisionForm,
    FrontDeskSupportForm,
    OverrideForm,
    RuleForm,
    SessionForm,
)
from civic.preselection.hooks import panel_context
from civic.preselection.models import PreselectionSession, QualificationResult, SessionAttachment
from civic.preselection.permissions import can_manage_preselection, can_record_in_person
from civic.preselection.qualification import explain, override_result, preselection_over, run_qualification
from civic.processes.models import Edition
from civic.processes.views import visible_edition_or_404
from civic.proposals.models import Proposal, ProposalStatus
from civic.web.decorators import permission_required
from civic.web.forms import add_problems
from civic.web.limits import account_key
from civic.web.markdown import render_markdown
from civic.web.rendering import render

bp = Blueprint("preselection", __name__)
LABELS = {
    "threshold": THRESHOLD_LABELS,
    "withdrawal": WITHDRAWAL_LABELS,
    "tie": TIE_LABELS,
    "mode": MODE_LABELS,
}


def _support_limit() -> str:
    return str(current_app.config["SUPPORT_RATE_LIMIT"])


def _proposal(proposal_id: int) -> Proposal:
    # The edition and its calendar come in the same query: every support check reads them.
    proposal = db.session.get(
        Proposal, proposal_id, options=[joinedload(Proposal.edition).joinedload(Edition.phases)]
    )
    admin = current_user.is_authenticated and can_manage_preselection(current_user.roles)
    if (
        proposal is None
        or proposal.status is ProposalStatus.DRAFT
        or not (proposal.edition.published or admin)
    ):
        abort(404)
    return proposal


def _back(proposal: Proposal) -> str:
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for(
        "proposals.proposal_detail", proposal_id=proposal.id, _anchor=f"proposal-{proposal.id}-support"
    )


def _panel(
    proposal: Proposal,
    *,
    message: object | None = None,
    status: int = 200,
    state: services.SupportState | None = None,
) -> Response:
    context: dict[str, object] | None = {"proposal": proposal, "state": state} if state is not None else None
    context = context or panel_context(proposal)
    context = context or {"proposal": proposal, "state": services.support_state(proposal, current_user)}
    context["message"] = message
    # The panel keeps its heading level when swapped (h2 on the proposal page, h4 in the edition's list).
    context["heading_level"] = 4 if request.form.get("heading_level") == "4" else 2
    return render(
        "preselection/_panel.html", fragment="preselection/_panel.html", panel=context, status=status
    )


def _support_write(proposal_id: int, action: str) -> Response:
    proposal = _proposal(proposal_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change = services.support if action == "support" else services.withdraw_support
        state = change(actor=current_user, proposal=proposal)
    except DomainError as refusal:
        db.session.rollback()
        if htmx:
            return _panel(proposal, message=refusal.message, status=refusal.status_code)
        raise
    # The panel is drawn from what was loaded: committing must not expire it (and reload it query by query).
    commit_keeping_loaded()
    done = (
        _("Your support has been recorded.") if action == "support" else _("Your support has been withdrawn.")
    )
    if htmx:
        return _panel(proposal, message=done, state=state)
    flash(done, "success")
    return redirect(_back(proposal), 303)  # type: ignore[return-value]


@bp.post("/proposals/<int:proposal_id>/support")
@login_required
@limiter.limit(_support_limit, key_func=account_key)
def support(proposal_id: int) -> Response:
    return _support_write(proposal_id, "support")


@bp.route("/proposals/<int:proposal_id>/support/withdraw", methods=["GET", "POST"])
@login_required
@limiter.limit(_support_limit, methods=["POST"], key_func=account_key)
def withdraw(proposal_id: int) -> Response:
    if request.method == "POST":
        return _support_write(proposal_id, "withdraw")
    proposal = _proposal(proposal_id)
    return render("preselection/confirm_withdraw.html", proposal=proposal, form=ConfirmForm())


# --- public pages ---------------------------------------------------------------------------------


@bp.get("/editions/<edition_slug>/preselection")
def edition_supports(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    rule = services.default_rule(edition)
    user = current_user if current_user.is_authenticated else None
    proposals = queries.supportable_proposals(edition)
    key = services.account_key(user.id) if user else None
    return render(
        "preselection/edition.html",
        edition=edition,
        rule=rule,
        labels=LABELS,
        open_now=services.supports_open(edition),
        over=preselection_over(edition, utcnow()),
        panels=[
            {"proposal": p, "state": services.support_state(p, user), "message": None, "heading_level": 4}
            for p in proposals
        ],
        used=services.used_supports(edition.id, key) if key else 0,
        published=queries.qualification_run(edition.id) is not None,
        sessions=queries.sessions_of(edition.id),
        form=ConfirmForm(),
        staff_links=_staff_links(edition),
    )


def _staff_links(edition: Edition) -> list[tuple[str, str]]:
    """Return the staff screens of this edition's pre-selection the person may open."""
    roles = current_user.roles if current_user.is_authenticated else frozenset()
    links = []
    if can_record_in_person(roles):
        links.append(
            (
                url_for("preselection.front_desk", edition_slug=edition.slug),
                _("Record a support at the town hall"),
            )
        )
    if can_manage_preselection(roles):
        links.append((url_for("preselection.rules", edition_slug=edition.slug), _("Support rules")))
        links.append(
            (url_for("preselection.qualify", edition_slug=edition.slug), _("Compute the qualification"))
        )
        links.append(
            (url_for("preselection.new_day", edition_slug=edition.slug), _("Record a pre-selection day"))
        )
    return links


@bp.get("/editions/<edition_slug>/preselection/results")
def results(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    run = queries.qualification_run(edition.id)
    groups = queries.results_by_district(run) if run else []
    return render(
        "preselection/results.html",
        edition=edition,
        run=run,
        groups=groups,
        explain=lambda r: explain(r, *_snapshot_parts(r)),
        is_admin=current_user.is_authenticated and can_manage_preselection(current_user.roles),
        sessions=queries.sessions_of(edition.id),
    )


def _snapshot_parts(result: QualificationResult) -> tuple[dict, dict]:
    entry = (result.run.snapshot or {}).get(
        "edition" if result.district_id is None else str(result.district_id), {}
    )
    return entry.get("figures", {}), entry.get("rule", {"threshold_kind": "none"})


@bp.get("/editions/<edition_slug>/preselection/days/<int:session_id>")
def day(edition_slug: str, session_id: int) -> Response:
    edition = visible_edition_or_404(edition_slug)
    session = db.session.get(PreselectionSession, session_id)
    if session is None or session.edition_id != edition.id:
        abort(404)
    admin = current_user.is_authenticated and can_manage_preselection(current_user.roles)
    decision_form = DecisionForm()
    _decision_choices(decision_form, edition)
    return render(
        "preselection/day.html",
        edition=edition,
        session=session,
        render_markdown=render_markdown,
        is_admin=admin,
        decision_form=decision_form,
        attachment_form=AttachmentForm(),
    )


@bp.get("/preselection/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> Response:
    item = db.session.get(SessionAttachment, attachment_id)
    if item is None:
        abort(404)
    visible_edition_or_404(item.session.edition.slug, with_everything=False)
    response = send_from_directory(
        days.attachment_folder(), item.stored_name, mimetype=item.content_type, max_age=3600
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    disposition = "inline" if item.content_type.startswith("image/") else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{item.stored_name}"'
    return response


# --- staff: rules, qualification, override --------------------------------------------------------


def _edition_for_staff(edition_slug: str) -> Edition:
    return visible_edition_or_404(edition_slug)


@bp.route("/staff/editions/<edition_slug>/preselection/rules", methods=["GET", "POST"])
@bp.route("/staff/editions/<edition_slug>/preselection/rules/<int:district_id>", methods=["GET", "POST"])
@permission_required(can_manage_preselection)
def rules(edition_slug: str, district_id: int | None = None) -> Response:
    edition = _edition_for_staff(edition_slug)
    if district_id is not None and district_id not in {d.district_id for d in edition.districts}:
        abort(404)
    rule = (
        services.rule_for(edition, district_id) if district_id is not None else services.default_rule(edition)
    )
    form = RuleForm()
    if request.method == "GET":
        form.fill(rule)
    status = 200
    message = None
    if form.validate_on_submit():
        try:
            services.save_rule(
                actor=current_user, edition=edition, district_id=district_id, data=form.to_input()
            )
            db.session.commit()
            flash(_("The support rule has been saved."), "success")
            return redirect(
                url_for("preselection.rules", edition_slug=edition.slug, district_id=district_id), 303
            )  # type: ignore[return-value]
        except services.RulesFrozen as refusal:
            db.session.commit()  # keeps the audit entry of the refused attempt
            status, message = 409, refusal.message
        except InvalidInput as refusal:
            db.session.rollback()
            add_problems(form, refusal.problems)
            status = 422
    elif form.is_submitted():
        status = 422
    return render(
        "preselection/rules.html",
        fragment="preselection/_rules_form.html",
        edition=edition,
        district_id=district_id,
        district=next((d.district for d in edition.districts if d.district_id == district_id), None),
        form=form,
        frozen=services.is_frozen(edition),
        message=message,
        status=status,
    )


@bp.route("/staff/editions/<edition_slug>/preselection/qualify", methods=["GET", "POST"])
@permission_required(can_manage_preselection)
def qualify(edition_slug: str) -> Response:
    edition = _edition_for_staff(edition_slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_qualification(actor=current_user, edition=edition)
        db.session.commit()
        flash(_("The qualification has been computed and published."), "success")
        return redirect(url_for("preselection.results", edition_slug=edition.slug), 303)  # type: ignore[return-value]
    return render(
        "preselection/confirm_qualify.html",
        edition=edition,
        form=form,
        over=preselection_over(edition, utcnow()),
        status=400 if form.is_submitted() else 200,
    )


@bp.route("/staff/preselection/results/<int:result_id>/override", methods=["GET", "POST"])
@permission_required(can_manage_preselection)
def override(result_id: int) -> Response:
    result = db.session.get(QualificationResult, result_id)
    if result is None:
        abort(404)
    form = OverrideForm()
    if form.validate_on_submit():
        override_result(actor=current_user, result=result, public_reason=form.public_reason.data)
        db.session.commit()
        flash(_("The result has been changed; the reason is public."), "success")
        return redirect(
            url_for(
                "preselection.results", edition_slug=result.run.edition.slug, _anchor=f"result-{result.id}"
            ),
            303,
        )  # type: ignore[return-value]
    return render(
        "preselection/override.html",
        result=result,
        form=form,
        status=422 if form.is_submitted() else 200,
    )


# --- front desk -----------------------------------------------------------------------------------


@bp.route("/front-desk/editions/<edition_slug>/supports", methods=["GET", "POST"])
@permission_required(can_record_in_person)
@limiter.limit(_support_limit, methods=["POST"], key_func=account_key)
def front_desk(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = FrontDeskSupportForm()
    form.fill_choices(edition)
    status = 200
    if form.validate_on_submit():
        proposal = db.session.scalar(
            select(Proposal).where(
                Proposal.edition_id == edition.id, Proposal.reference == form.reference.data.strip().upper()
            )
        )
        try:
            if proposal is None:
                raise InvalidInput({"reference": [_("No proposal of this edition has this reference.")]})
            services.record_in_person(actor=current_user, proposal=proposal, walk_in=form.to_walk_in())
            db.session.commit()
            flash(_("The support for %(ref)s has been recorded.", ref=proposal.reference), "success")
            return redirect(url_for("preselection.front_desk", edition_slug=edition.slug), 303)  # type: ignore[return-value]
        except InvalidInput as refusal:
            db.session.rollback()
            add_problems(form, refusal.problems)
            status = 422
        except DomainError as refusal:
            db.session.rollback()
            add_problems(form, {"reference": [str(refusal.message)]})
            status = refusal.status_code
    elif form.is_submitted():
        status = 422
    return render(
        "preselection/front_desk.html",
        fragment="preselection/_front_desk_form.html",
        edition=edition,
        form=form,
        open_now=services.supports_open(edition),
        status=status,
    )


# --- staff: pre-selection days --------------------------------------------------------------------


@bp.route("/staff/editions/<edition_slug>/preselection/days/new", methods=["GET", "POST"])
@permission_required(can_manage_preselection)
def new_day(edition_slug: str) -> Response:
    edition = _edition_for_staff(edition_slug)
    form = SessionForm()
    if form.validate_on_submit():
        session = days.create_session(actor=current_user, edition=edition, data=form.to_input())
        db.session.commit()
        flash(_("The pre-selection day has been recorded."), "success")
        return redirect(url_for("preselection.day", edition_slug=edition.slug, session_id=session.id), 303)  # type: ignore[return-value]
    return render(
        "preselection/day_form.html", edition=edition, form=form, status=422 if form.is_submitted() else 200
    )


def _decision_choices(form: DecisionForm, edition: Edition) -> None:
    form.proposal_id.choices = [
        (str(p.id), f"{p.reference} – {p.title}") for p in queries.supportable_proposals(edition)
    ]


def _staff_session(session_id: int) -> PreselectionSession:
    session = db.session.get(PreselectionSession, session_id)
    if session is None:
        abort(404)
    return session


@bp.post("/staff/preselection/days/<int:session_id>/decisions")
@permission_required(can_manage_preselection)
def decide(session_id: int) -> Response:
    session = _staff_session(session_id)
    form = DecisionForm()
    _decision_choices(form, session.edition)
    if form.validate_on_submit():
        proposal = _proposal(int(form.proposal_id.data))
        days.record_decision(
            actor=current_user,
            session=session,
            proposal=proposal,
            retained=form.retained.data == "yes",
            public_reason=form.public_reason.data or "",
        )
        db.session.commit()
        flash(_("The decision on %(ref)s has been recorded.", ref=proposal.reference), "success")
        return redirect(
            url_for("preselection.day", edition_slug=session.edition.slug, session_id=session.id), 303
        )  # type: ignore[return-value]
    return render(
        "preselection/day.html",
        edition=session.edition,
        session=session,
        render_markdown=render_markdown,
        is_admin=True,
        decision_form=form,
        attachment_form=AttachmentForm(formdata=None),
        status=422,
    )


@bp.post("/staff/preselection/days/<int:session_id>/attachments")
@permission_required(can_manage_preselection)
def add_attachment(session_id: int) -> Response:
    session = _staff_session(session_id)
    form = AttachmentForm()
    decision_form = DecisionForm(formdata=None)
    _decision_choices(decision_form, session.edition)
    if form.validate_on_submit():
        try:
            days.add_attachment(
                actor=current_user,
                session=session,
                stream=form.file.data.stream,
                filename=form.file.data.filename or "",
                title=form.title.data or "",
            )
            db.session.commit()
            flash(_("The file has been attached."), "success")
            return redirect(
                url_for("preselection.day", edition_slug=session.edition.slug, session_id=session.id), 303
            )  # type: ignore[return-value]
        except DomainError as refusal:
            db.session.rollback()
            form.file.errors = [str(refusal.message)]
    return render(
        "preselection/day.html",
        edition=session.edition,
        session=session,
        render_markdown=render_markdown,
        is_admin=True,
        decision_form=decision_form,
        attachment_form=form,
        status=422,
    )


@bp.route("/staff/preselection/days/<int:session_id>/minutes", methods=["POST"])
@permission_required(can_manage_preselection)
def minutes(session_id: int) -> Response:
    session = _staff_session(session_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    text = request.form.get("minutes", "")[:50_000]
    days.update_minutes(actor=current_user, session=session, minutes=text)
    db.session.commit()
    flash(_("The minutes have been saved."), "success")
    return redirect(
        url_for("preselection.day", edition_slug=session.edition.slug, session_id=session.id), 303
    )  # type: ignore[return-value]


def register(app: Flask) -> None:
    """Register the blueprint and fill the proposal hooks (called from civic.create_app)."""
    # Its section of the personal-data export registers on import (civic.accounts.personal_data).
    import civic.preselection.personal_data  # noqa: F401
    from civic.preselection.hooks import register as register_hooks

    app.register_blueprint(bp)
    register_hooks(app)
