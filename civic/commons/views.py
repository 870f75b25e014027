"""Appels à communs: calls, projects and their needs, the co-budget round, the public ledger."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from civic.accounts.models import User
from civic.commons import campaigns, queries, services
from civic.commons import tasks as _tasks  # noqa: F401  (the worker's periodic jobs register on import)
from civic.commons.forms import (
    MAX_ROWS,
    AllocateCsvForm,
    AllocateEvenlyForm,
    AllocateForm,
    BackingForm,
    CallForm,
    CampaignForm,
    ConfirmForm,
    ContributeForm,
    DelegateForm,
    DeliverForm,
    FundForm,
    PledgeForm,
    PreselectForm,
    ProjectForm,
)
from civic.commons.labels import (
    CAMPAIGN_STATES,
    JOURNAL_KINDS,
    PROJECT_STAGES,
    PROJECT_STATES,
    SKILL_LEVELS,
    UNITS,
)
from civic.commons.ledger_rules import BudgetLine, Unit
from civic.commons.models import (
    CommonsCall,
    CommonsNeed,
    CommonsProject,
    CrowdfundingCampaign,
    LedgerPending,
    ProjectStage,
    ProjectState,
)
from civic.commons.permissions import can_fund, can_organise, is_holder
from civic.core.database import commit_keeping_loaded
from civic.core.errors import DomainError, InvalidInput
from civic.core.text import spreadsheet_cell
from civic.core.time import local_today
from civic.extensions import db, htmx, limiter
from civic.processes.queries import format_euros
from civic.web.decorators import permission_required
from civic.web.forms import add_problems
from civic.web.limits import account_key, configured
from civic.web.params import page_arg
from civic.web.rendering import render
from civic.web.templating import current_lang, french_first_of_month

bp = Blueprint("commons", __name__)


@bp.app_template_global("call_day")
def call_day(value: date) -> str:
    """A call's day in the reader's language ("1er décembre 2026")."""
    return (
        french_first_of_month(str(format_date(value, "long")))
        if current_lang() == "fr"
        else str(format_date(value, "long"))
    )


@bp.app_template_global("hours_or_items")
def hours_or_items(need: CommonsNeed, amount: int) -> str:
    """An amount of a need in its unit as people count it: hours for time (stored in minutes), else items."""
    if need.unit is Unit.MINUTES:
        return _("%(hours)s h", hours=format_decimal(amount / 60, format="#,##0.#"))
    return str(format_decimal(amount, format="#,##0"))


@bp.app_template_global("leg_label")
def leg_label(kind: str, name: str) -> str:
    """Whose account a ledger leg moves, in words."""
    words = {
        "outside": _("outside the round (funders)"),
        "pool": _("the round's pool"),
        "wallet": _("allocation of %(name)s", name=name),
        "project": _("project “%(name)s”", name=name),
        "need": _("need: %(name)s", name=name),
        "matching": _("the matching pool"),
        "earmark": _("delegated to %(name)s", name=name),
        "campaign": _("crowdfunding of “%(name)s”", name=name),
    }
    if kind == "offer" and name:
        return _("offered by %(name)s", name=name)
    return words.get(kind, _("what a member offers"))


@bp.app_template_global("leg_amount")
def leg_amount(amount: int, unit: Unit) -> str:
    """A signed amount in its unit: euros, hours or items."""
    sign = "+" if amount > 0 else "−"
    if unit is Unit.EUR_CENTS:
        return sign + format_euros(abs(amount))
    if unit is Unit.MINUTES:
        return sign + _("%(hours)s h", hours=format_decimal(abs(amount) / 60, format="#,##0.#"))
    return sign + str(format_decimal(abs(amount), format="#,##0"))


@bp.app_template_global("need_text")
def need_text(need: CommonsNeed, amount: int) -> str:
    """ "20 h of design", "2 × a room one evening a week"."""
    if need.unit is Unit.MINUTES:
        return _("%(quantity)s of %(need)s", quantity=hours_or_items(need, amount), need=need.label)
    return _("%(count)s × %(need)s", count=hours_or_items(need, amount), need=need.label)


WRITE_LIMIT = configured("COMMONS_RATE_LIMIT")
MAX_CSV_BYTES = 1_000_000


def _viewer_organises() -> bool:
    return bool(current_user.is_authenticated and can_organise(current_user.roles))


def _call_or_404(call_slug: str) -> CommonsCall:
    call = queries.call_by_slug(call_slug)
    if call is None or not (call.published or _viewer_organises()):
        abort(404)
    return call


def _project_or_404(call: CommonsCall, project_id: int) -> CommonsProject:
    project = db.session.get(CommonsProject, project_id)
    if project is None or project.round_id != call.round_id:
        abort(404)
    return project


def _see_other(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), 303)  # type: ignore[return-value]


def _refused(form: Any, error: DomainError, field: str) -> None:
    db.session.rollback()
    problems = error.problems if isinstance(error, InvalidInput) else {field: [str(error.message)]}
    add_problems(form, problems)


def _words() -> dict[str, Any]:
    return {
        "euros": format_euros,
        "project_states": PROJECT_STATES,
        "project_stages": PROJECT_STAGES,
        "campaign_states": CAMPAIGN_STATES,
        "journal_kinds": JOURNAL_KINDS,
        "units": UNITS,
        "skill_levels": SKILL_LEVELS,
        "Unit": Unit,
        "ProjectState": ProjectState,
        "ProjectStage": ProjectStage,
        "PreselectForm": PreselectForm,
    }


# --- calls --------------------------------------------------------------------------------------


@bp.route("/commons")
def call_list() -> Response:
    """The appels à communs (drafts too, for organisers)."""
    calls = queries.calls(include_drafts=_viewer_organises())
    return render("commons/calls.html", calls=calls, can_organise=_viewer_organises(), today=local_today())


@bp.route("/commons/new", methods=["GET", "POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key)
def call_new() -> Response:
    """An organiser launches a call: the défi, the deliverable rules, the dates, the round's member limit."""
    form = CallForm()
    if not form.validate_on_submit():
        return render("commons/call_form.html", form=form, status=422 if form.is_submitted() else 200)
    data = {name: form[name].data for name in services.CallInput.__dataclass_fields__}
    try:
        call = services.create_call(actor=current_user, data=services.CallInput(**data))
    except DomainError as error:
        _refused(form, error, "title")
        return render("commons/call_form.html", form=form, status=error.status_code)
    db.session.commit()
    flash(_("The call is saved as a draft. Publish it when it is ready."), "success")
    return _see_other("commons.call_page", call_slug=call.slug)


@bp.route("/commons/<call_slug>/publish", methods=["POST"])
@permission_required(can_organise)
def call_publish(call_slug: str) -> Response:
    """Make a draft call public."""
    call = _call_or_404(call_slug)
    if ConfirmForm().validate_on_submit():
        services.publish_call(actor=current_user, call=call)
        db.session.commit()
        flash(_("The call is published."), "success")
    return _see_other("commons.call_page", call_slug=call.slug)


@bp.route("/commons/<call_slug>")
def call_page(call_slug: str) -> Response:
    """The défi, its rules, the round's figures and its projects, those that lack the most first."""
    call = _call_or_404(call_slug)
    return render("commons/call.html", **_call_context(call))


def _call_context(call: CommonsCall, delegate_form: DelegateForm | None = None) -> dict[str, Any]:
    member = services.member_of(call, current_user)
    made, received = queries.delegations_of(call, current_user.id) if member else ([], [])
    projects = queries.projects_of(call)
    form = delegate_form or DelegateForm(formdata=None)
    if member:
        _delegate_choices(form, call, received, projects)
    return dict(
        made=made,
        received=received,
        delegate_form=form,
        call=call,
        projects=projects,
        figures=queries.round_figures(call),
        member=member,
        wallet=queries.wallet_balance(member),
        open_for_projects=services.is_open_for_projects(call, local_today()),
        can_organise=_viewer_organises(),
        can_fund=current_user.is_authenticated and can_fund(current_user.roles),
        form=ConfirmForm(),
        **_words(),
    )


def _delegated_to_me(rows: list[Any]) -> list[SelectChoice]:
    own = [SelectChoice("", _("my own allocation"))]
    return own + [
        SelectChoice(
            str(row.delegation.id),
            _("what %(name)s delegated to me (%(left)s left)", name=row.truster, left=format_euros(row.left)),
        )
        for row in rows
    ]


def _delegate_choices(
    form: DelegateForm, call: CommonsCall, received: list[Any], projects: list[Any]
) -> None:
    others = [(user_id, name) for user_id, name in queries.member_names(call) if user_id != current_user.id]
    form.delegate.choices = [SelectChoice("", _("Choose a member"))] + [
        SelectChoice(str(user_id), name) for user_id, name in others
    ]
    form.source.choices = _delegated_to_me(received)
    form.project.choices = (
        [SelectChoice("", _("any project of the round"))]
        + [
            SelectChoice(f"theme-{n}", _("any project of the theme “%(theme)s”", theme=theme))
            for n, theme in enumerate(call.theme_list)
        ]
        + [
            SelectChoice(str(f.project.id), f.project.title)
            for f in projects
            if f.project.state is ProjectState.OPEN
        ]
    )


def _delegation_scope(call: CommonsCall, chosen: str | None) -> tuple[int | None, str | None]:
    """The delegation form's "for": (a project id, a theme), either or neither (the whole round)."""
    if (
        chosen
        and chosen.startswith("theme-")
        and (n := _int_or_none(chosen.removeprefix("theme-"))) is not None
    ):
        themes = call.theme_list
        return None, themes[n] if n < len(themes) else ""  # "" is no theme of the call: refused, out of scope
    return _int_or_none(chosen), None


@bp.route("/commons/<call_slug>/join", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def join(call_slug: str) -> Response:
    """Join the call's co-budget round."""
    call = _call_or_404(call_slug)
    if ConfirmForm().validate_on_submit():
        services.join(actor=current_user, call=call)
        db.session.commit()
        flash(_("You are a member of this co-budget round."), "success")
    return _see_other("commons.call_page", call_slug=call.slug)


@bp.route("/commons/<call_slug>/delegate", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def delegate(call_slug: str) -> Response:
    """A member hands part of their allocation (or of a delegation made to them) to another member."""
    call = _call_or_404(call_slug)
    form = DelegateForm()
    if form.validate_on_submit() and _int_or_none(form.delegate.data) is not None:
        project_id, theme = _delegation_scope(call, form.project.data)
        try:
            services.delegate(
                actor=current_user,
                call=call,
                delegate_id=_int_or_none(form.delegate.data) or 0,
                amount=form.amount.data or 0,
                parent_id=_int_or_none(form.source.data),
                project_id=project_id,
                theme=theme,
                key=f"delegate:{current_user.id}:{form.key.data}",
            )
            db.session.commit()
            flash(_("Your delegation is recorded. You can revoke it at any time."), "success")
            return _see_other("commons.call_page", call_slug=call.slug, _anchor="delegation-title")
        except DomainError as error:
            _refused(form, error, "amount")
    elif form.is_submitted() and not form.delegate.errors:
        form.delegate.errors = [_("Choose a member.")]
    return render("commons/call.html", status=422 if not form.errors else 409, **_call_context(call, form))


@bp.route("/commons/<call_slug>/delegations/<int:delegation_id>/revoke", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def revoke(call_slug: str, delegation_id: int) -> Response:
    """The truster takes back what is left of a delegation (past contributions stay)."""
    call = _call_or_404(call_slug)
    if ConfirmForm().validate_on_submit():
        returned = services.revoke(actor=current_user, call=call, delegation_id=delegation_id)
        db.session.commit()
        flash(
            _("The delegation is revoked: %(amount)s came back to you.", amount=format_euros(returned)),
            "success",
        )
    return _see_other("commons.call_page", call_slug=call.slug, _anchor="delegation-title")


# --- projects -----------------------------------------------------------------------------------


def _project_input(form: ProjectForm) -> services.ProjectInput:
    lines = [
        BudgetLine(row.form.label.data.strip(), row.form.minimum.data or 0, row.form.maximum.data or 0)
        for row in form.lines
        if (row.form.label.data or "").strip()
    ]
    needs = [
        services.NeedInput(
            label=row.form.label.data.strip(),
            unit=Unit.MINUTES if row.form.kind.data == "time" else Unit.ITEMS,
            quantity=row.form.quantity.data * (60 if row.form.kind.data == "time" else 1),
            skill_level=int(row.form.skill_level.data) if row.form.kind.data == "time" else None,
        )
        for row in form.needs
        if (row.form.label.data or "").strip() and row.form.quantity.data
    ]
    texts = {
        name: (form[name].data or "").strip()
        for name in services.ProjectInput.__dataclass_fields__
        if name not in ("lines", "needs")
    }
    return services.ProjectInput(**texts, lines=lines, needs=needs)


@bp.route("/commons/<call_slug>/projects/new", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key)
def project_new(call_slug: str) -> Response:
    """Start a project of the call: who, how, and what it needs (money lines, time, skills, venues)."""
    call = _call_or_404(call_slug)
    form = ProjectForm()
    form.theme.choices = [SelectChoice("", _("no theme"))] + [SelectChoice(t, t) for t in call.theme_list]
    context = {
        "call": call,
        "form": form,
        "open_for_projects": services.is_open_for_projects(call, local_today()),
        "max_rows": MAX_ROWS,
    }
    more = request.form.get("more") if form.is_submitted() else None
    if more in ("lines", "needs"):  # "add a line": the same form again with one more empty row, nothing saved
        form.add_row(more)
        return render("commons/project_form.html", **context)
    if not form.validate_on_submit():
        return render("commons/project_form.html", status=422 if form.is_submitted() else 200, **context)
    try:
        key = f"project:{current_user.id}:{form.key.data}"
        project = services.start_project(actor=current_user, call=call, data=_project_input(form), key=key)
    except DomainError as error:
        _refused(form, error, "title")
        return render("commons/project_form.html", status=error.status_code, **context)
    db.session.commit()
    flash(_("Your project is online. Share its page so that it gets what it lacks."), "success")
    return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 12 else None


def _funding_context(
    call: CommonsCall, project: CommonsProject, contribute_form: ContributeForm | None = None
) -> dict[str, Any]:
    """What the funding block needs: the project's figures, and the viewer's allocation and delegations."""
    member = services.member_of(call, current_user)
    user_id = current_user.id if current_user.is_authenticated else None
    received = queries.delegations_of(call, user_id)[1] if member and user_id else []
    usable = [
        r
        for r in received
        if r.left > 0
        and r.delegation.project_id in (None, project.id)
        and r.delegation.theme in (None, project.theme)
    ]
    contribute_form = contribute_form or ContributeForm(formdata=None)
    contribute_form.source.choices = _delegated_to_me(usable)
    return {
        "call": call,
        "project": project,
        "figures": queries.project_figures([project])[0],
        "member": member,
        "wallet": queries.wallet_balance(member),
        "user_id": user_id,
        "contribute_form": contribute_form,
        "usable_delegations": usable,
        **_words(),
    }


def _project_context(call: CommonsCall, project: CommonsProject, **forms: Any) -> dict[str, Any]:
    context = _funding_context(call, project, forms.get("contribute_form"))
    user_id = context["user_id"]
    campaign = queries.latest_campaign(project)
    holder = is_holder(user_id, project.holder_id)
    steers = holder or _viewer_organises()  # only they see the campaign's and the deliveries' forms
    gifts, gift_count = queries.gifts_to(project)
    backers, backer_count = queries.backers_of(campaign) if campaign else ([], 0)
    return context | {
        "gifts": gifts,
        "gift_count": gift_count,
        "pledges": queries.pledges_of(project),
        "followers": queries.follower_count(project),
        "following": services.is_following(current_user, project),
        "is_holder": holder,
        "holder": db.session.get(User, project.holder_id) if project.holder_id else None,
        "can_organise": _viewer_organises(),
        "campaign": campaign,
        "campaign_raised": campaigns.raised(campaign) if campaign else 0,
        "backers": backers,
        "backer_count": backer_count,
        "campaign_form": forms.get("campaign_form") or (CampaignForm(formdata=None) if steers else None),
        "backing_form": forms.get("backing_form") or (BackingForm(formdata=None) if steers else None),
        "today": local_today(),
        "pledge_forms": forms.get("pledge_forms") or {},
        "confirm_form": ConfirmForm(),
        "pledge_form": PledgeForm(formdata=None),
        "deliver_form": DeliverForm(formdata=None) if holder else None,
    }


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>")
def project_page(call_slug: str, commons_project_id: int) -> Response:
    """What a project has, what it still lacks, who gave, and how to help."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    return render("commons/project.html", **_project_context(call, project))


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>/contribute", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def contribute(call_slug: str, commons_project_id: int) -> Response:
    """A member gives part of their allocation (the funding block, for htmx)."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    form = ContributeForm()
    status = 200
    if not form.validate_on_submit():
        status = 422
    else:
        try:
            key = f"contribute:{current_user.id}:{form.key.data}"
            funded = services.contribute(
                actor=current_user,
                call=call,
                project=project,
                amount=form.amount.data or 0,
                key=key,
                delegation_id=_int_or_none(form.source.data),
            )
            commit_keeping_loaded()  # the answer is drawn from the call and project just written
            flash(
                _("Thank you: the project is now funded!") if funded else _("Your contribution is recorded."),
                "success",
            )
            if not htmx:
                return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)
            form = ContributeForm(formdata=None)
        except DomainError as error:
            _refused(form, error, "amount")
            status = error.status_code
    # Without JavaScript, a refused gift comes back on a page of its own: the reason first, then the form.
    context = _funding_context(call, project, form)
    return render("commons/contribute.html", fragment="commons/_funding.html", status=status, **context)


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>/follow", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def follow(call_slug: str, commons_project_id: int) -> Response:
    """Follow a project, or stop following it (the follow block, for htmx)."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    if ConfirmForm().validate_on_submit():
        services.follow(user=current_user, project=project, on=request.form.get("on") == "1")
        db.session.commit()
    if not htmx:
        return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)
    return render("commons/project.html", fragment="commons/_follow.html", **_project_context(call, project))


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>/cancel", methods=["GET", "POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key)
def project_cancel(call_slug: str, commons_project_id: int) -> Response:
    """The organiser cancels a project; every contribution is given back (asked to confirm first)."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render("commons/cancel.html", call=call, project=project, form=form)
    refunded = services.cancel_project(actor=current_user, call=call, project=project)
    db.session.commit()
    flash(_("The project is cancelled; %(n)d contributions were given back.", n=refunded), "success")
    return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)


# --- crowdfunding -------------------------------------------------------------------------------


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>/campaign", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def campaign_start(call_slug: str, commons_project_id: int) -> Response:
    """The holder (or an organiser) opens an all-or-nothing crowdfunding campaign."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            services.start_campaign(
                actor=current_user,
                call=call,
                project=project,
                target=form.target.data or 0,
                closes_on=form.closes_on.data,
            )
            db.session.commit()
            flash(_("The crowdfunding campaign is open."), "success")
            return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)
        except DomainError as error:
            _refused(form, error, "closes_on")
    context = _project_context(call, project, campaign_form=form)
    return render(
        "commons/project.html", status=409 if form.is_submitted() and form.errors else 422, **context
    )


def _campaign_or_404(call: CommonsCall, campaign_id: int) -> tuple[CrowdfundingCampaign, CommonsProject]:
    campaign = db.session.get(CrowdfundingCampaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign, _project_or_404(call, campaign.project_id)


@bp.route("/commons/<call_slug>/campaigns/<int:campaign_id>/back", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def campaign_back(call_slug: str, campaign_id: int) -> Response:
    """An organiser records a backer's payment as received."""
    call = _call_or_404(call_slug)
    campaign, project = _campaign_or_404(call, campaign_id)
    form = BackingForm()
    if form.validate_on_submit():
        try:
            services.back_campaign(
                actor=current_user,
                call=call,
                campaign=campaign,
                amount=form.amount.data or 0,
                backer=form.backer.data or "",
                key=f"back:{current_user.id}:{form.key.data}",
            )
            db.session.commit()
            flash(_("The payment is recorded."), "success")
            return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)
        except DomainError as error:
            _refused(form, error, "amount")
    context = _project_context(call, project, backing_form=form)
    return render(
        "commons/project.html", status=409 if form.is_submitted() and form.errors else 422, **context
    )


@bp.route("/commons/<call_slug>/campaigns/<int:campaign_id>/close", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def campaign_close(call_slug: str, campaign_id: int) -> Response:
    """An organiser closes a campaign after its deadline or once its target is reached."""
    call = _call_or_404(call_slug)
    campaign, project = _campaign_or_404(call, campaign_id)
    if ConfirmForm().validate_on_submit():
        state = services.close_campaign(actor=current_user, call=call, campaign=campaign)
        db.session.commit()
        flash(str(CAMPAIGN_STATES[state]), "success")
    return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)


# --- cooperative calls: pre-selection with seed funding, final selection -----------------------


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>/preselect", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def project_preselect(call_slug: str, commons_project_id: int) -> Response:
    """Pre-select a candidate, with seed money from the round's pool."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    form = PreselectForm(prefix=f"seed-{project.id}")
    if form.validate_on_submit():
        services.preselect(actor=current_user, call=call, project=project, seed=form.seed.data or 0)
        db.session.commit()
        flash(_("“%(title)s” is pre-selected.", title=project.title), "success")
        return _see_other("commons.round_page", call_slug=call.slug, _anchor="selection-title")
    return _round_page(call, 422)


@bp.route("/commons/<call_slug>/projects/<int:commons_project_id>/select", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def project_select(call_slug: str, commons_project_id: int) -> Response:
    """The final selection of a pre-selected project (``selected=1``), or not (it gives back what it holds)."""
    call = _call_or_404(call_slug)
    project = _project_or_404(call, commons_project_id)
    if ConfirmForm().validate_on_submit():
        selected = request.form.get("selected") == "1"
        services.decide(actor=current_user, call=call, project=project, selected=selected)
        db.session.commit()
        flash(
            _("“%(title)s” is selected.", title=project.title)
            if selected
            else _("“%(title)s” is not selected; what it held went back.", title=project.title),
            "success",
        )
    return _see_other("commons.round_page", call_slug=call.slug, _anchor="selection-title")


# --- time, skills, venues -----------------------------------------------------------------------


@bp.route("/commons/<call_slug>/needs/<int:need_id>/pledge", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def pledge(call_slug: str, need_id: int) -> Response:
    """Pledge hours or items to a need; the holder confirms the delivery later."""
    call = _call_or_404(call_slug)
    need = db.session.get(CommonsNeed, need_id)
    project = _project_or_404(call, need.project_id if need else 0)
    form = PledgeForm()
    status = 422
    if form.validate_on_submit() and need is not None:
        quantity = (form.quantity.data or 0) * (60 if need.unit is Unit.MINUTES else 1)
        try:
            key = f"pledge:{current_user.id}:{need.id}:{form.key.data}"  # one form per need on the page
            services.pledge(actor=current_user, call=call, need=need, quantity=quantity, key=key)
            db.session.commit()
            flash(_("Thank you: your pledge is recorded. The project's holder will confirm it."), "success")
            return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)
        except DomainError as error:
            _refused(form, error, "quantity")
            status = error.status_code
    context = _project_context(call, project, pledge_forms={need_id: form})
    return render("commons/project.html", status=status, **context)


def _pending_or_404(call: CommonsCall, pledge_id: int) -> tuple[LedgerPending, CommonsProject]:
    pending = db.session.get(LedgerPending, pledge_id)
    need = db.session.scalar(
        select(CommonsNeed).where(CommonsNeed.account_id == (pending.target_id if pending else 0))
    )
    if pending is None or need is None:
        abort(404)
    return pending, _project_or_404(call, need.project_id)


@bp.route("/commons/<call_slug>/pledges/<int:pledge_id>/deliver", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def pledge_deliver(call_slug: str, pledge_id: int) -> Response:
    """The holder confirms what a pledge delivered (all of it, or part)."""
    call = _call_or_404(call_slug)
    pending, project = _pending_or_404(call, pledge_id)
    form = DeliverForm()
    if form.validate_on_submit():
        unit = 60 if queries.pledge_unit(pending) is Unit.MINUTES else 1
        quantity = None if form.quantity.data is None else form.quantity.data * unit
        services.deliver(actor=current_user, pending_id=pending.id, quantity=quantity)
        db.session.commit()
        flash(_("The delivery is confirmed."), "success")
    return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)


@bp.route("/commons/<call_slug>/pledges/<int:pledge_id>/void", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def pledge_void(call_slug: str, pledge_id: int) -> Response:
    """Void a pledge (its member or the holder): nothing is counted as given."""
    call = _call_or_404(call_slug)
    pending, project = _pending_or_404(call, pledge_id)
    if ConfirmForm().validate_on_submit():
        services.void_pledge(actor=current_user, pending_id=pending.id)
        db.session.commit()
        flash(_("The pledge is voided."), "success")
    return _see_other("commons.project_page", call_slug=call.slug, commons_project_id=project.id)


# --- the round ----------------------------------------------------------------------------------


def _round_page(call: CommonsCall, status: int = 200, **forms: Any) -> Response:
    labels = queries.round_account_labels(call)
    return render(
        "commons/round.html",
        status=status,
        call=call,
        figures=queries.round_figures(call),
        members=queries.member_wallets(call),
        projects=queries.projects_of(call),
        can_organise=_viewer_organises(),
        journals=queries.ledger_count(labels),
        fund_form=forms.get("fund_form") or FundForm(formdata=None),
        allocate_form=forms.get("allocate_form") or AllocateForm(formdata=None),
        evenly_form=forms.get("evenly_form") or AllocateEvenlyForm(formdata=None),
        csv_form=forms.get("csv_form") or AllocateCsvForm(formdata=None),
        confirm_form=ConfirmForm(),
        **_words(),
    )


@bp.route("/commons/<call_slug>/round")
@permission_required(can_fund)
def round_page(call_slug: str) -> Response:
    """The round's desk: fund the pool (funders), allocate it, close the round (organisers)."""
    return _round_page(_call_or_404(call_slug))


@bp.route("/commons/<call_slug>/round/fund", methods=["POST"])
@permission_required(can_fund)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def round_fund(call_slug: str) -> Response:
    """Record money received into the round's pool, under the funder's public name or anonymously."""
    call = _call_or_404(call_slug)
    form = FundForm()
    if not form.validate_on_submit():
        return _round_page(call, 422, fund_form=form)
    name = "" if form.anonymous.data else form.funder_name.data or ""
    try:
        services.fund(
            actor=current_user,
            call=call,
            amount=form.amount.data or 0,
            funder_name=name,
            key=f"fund:{current_user.id}:{form.key.data}",
            matching=form.target.data == "matching",
        )
    except DomainError as error:
        _refused(form, error, "amount")
        return _round_page(call, error.status_code, fund_form=form)
    db.session.commit()
    flash(_("The money received is recorded in the pool."), "success")
    return _see_other("commons.round_page", call_slug=call.slug)


def _allocate(
    call: CommonsCall, form: Any, form_name: str, rows: list[tuple[User, int]] | None, field: str
) -> Response:
    if rows is None:
        return _round_page(call, 422, **{form_name: form})
    try:
        total = services.allocate(
            actor=current_user, call=call, allocations=rows, key=f"allocate:{current_user.id}:{form.key.data}"
        )
    except DomainError as error:
        _refused(form, error, field)
        return _round_page(call, error.status_code, **{form_name: form})
    db.session.commit()
    flash(_("%(total)s allocated to %(n)d members.", total=format_euros(total), n=len(rows)), "success")
    return _see_other("commons.round_page", call_slug=call.slug)


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.email == email.strip().lower(), User.deleted_at.is_(None))
    )


@bp.route("/commons/<call_slug>/round/allocate", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def round_allocate(call_slug: str) -> Response:
    """Allocate part of the pool to one member (who joins the round if they had not)."""
    call = _call_or_404(call_slug)
    form = AllocateForm()
    rows = None
    if form.validate_on_submit():
        user = _user_by_email(form.email.data)
        if user is None:
            form.email.errors = [_("No account has this e-mail address.")]
        else:
            rows = [(user, form.amount.data or 0)]
    return _allocate(call, form, "allocate_form", rows, "amount")


@bp.route("/commons/<call_slug>/round/allocate-evenly", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def round_allocate_evenly(call_slug: str) -> Response:
    """Give every member of the round the same amount."""
    call = _call_or_404(call_slug)
    form = AllocateEvenlyForm()
    rows = None
    if form.validate_on_submit():
        people = services.members(call)
        if not people:
            form.amount.errors = [_("The round has no members yet.")]
        else:
            rows = [(person, form.amount.data or 0) for person in people]
    return _allocate(call, form, "evenly_form", rows, "amount")


@bp.route("/commons/<call_slug>/round/allocate-csv", methods=["POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, key_func=account_key)
def round_allocate_csv(call_slug: str) -> Response:
    """Allocate from a CSV file (e-mail; amount), all lines or none."""
    call = _call_or_404(call_slug)
    form = AllocateCsvForm()
    rows = None
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_CSV_BYTES + 1)
        rows, problems = services.read_allocations(
            raw, MAX_CSV_BYTES, _user_by_email, str(get_locale() or "fr")
        )
        if problems:
            form.file.errors = problems
            rows = None
    return _allocate(call, form, "csv_form", rows, "file")


@bp.route("/commons/<call_slug>/round/close", methods=["GET", "POST"])
@permission_required(can_organise)
@limiter.limit(WRITE_LIMIT, methods=["POST"], key_func=account_key)
def round_close(call_slug: str) -> Response:
    """Close the round (asked to confirm): funded projects keep their money, the others give it back."""
    call = _call_or_404(call_slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render(
            "commons/close.html", call=call, projects=queries.projects_of(call), form=form, **_words()
        )
    outcome = services.close_round(actor=current_user, call=call)
    db.session.commit()
    flash(
        _("The round is closed: %(funded)d projects funded, %(failed)d gave their money back.", **outcome),
        "success",
    )
    return _see_other("commons.call_page", call_slug=call.slug)


# --- the public ledger --------------------------------------------------------------------------


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


@bp.route("/commons/<call_slug>/ledger")
def ledger_page(call_slug: str) -> Response:
    """Every journal of the round: what, who, on whose behalf, when (JSON with Accept: application/json)."""
    call = _call_or_404(call_slug)
    labels = queries.round_account_labels(call)
    if _wants_json():
        return ledger_json(call_slug)
    page = page_arg(request.args)
    total = queries.ledger_count(labels)
    pages = max(1, -(-total // queries.LEDGER_PAGE_SIZE))
    lines = queries.ledger_lines(
        labels,
        offset=(min(page, pages) - 1) * queries.LEDGER_PAGE_SIZE,
        limit=queries.LEDGER_PAGE_SIZE,
        round_id=call.round_id,
    )
    return render(
        "commons/ledger.html",
        call=call,
        lines=lines,
        page=min(page, pages),
        pages=pages,
        total=total,
        **_words(),
    )


def _exported(call: CommonsCall) -> Iterator[dict[str, Any]]:
    for line in queries.iter_ledger(queries.round_account_labels(call), call.round_id):
        journal = line.journal
        yield {
            "journal": journal.id,
            "kind": journal.kind,
            "at": journal.created_at.isoformat(timespec="seconds") + "Z",
            "by": line.actor or None,
            "on_behalf_of": line.on_behalf_of or None,
            "via": list(line.via),
            "reverses": journal.reverses_id,
            "hash": journal.hash,
            "legs": [
                {
                    "account": account_id,
                    "account_kind": kind,
                    "account_name": name,
                    "unit": unit.value,
                    "amount": amount,
                }
                for account_id, amount, kind, name, unit in line.legs
            ],
        }


@bp.route("/commons/<call_slug>/ledger.json")
def ledger_json(call_slug: str) -> Response:
    """The round's books as JSON (amounts in cents, minutes or items, as each leg's unit says)."""
    call = _call_or_404(call_slug)
    body = json.dumps({"call": call.slug, "journals": list(_exported(call))}, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={"Vary": "Accept"})


@bp.route("/commons/<call_slug>/ledger.csv")
def ledger_csv(call_slug: str) -> Response:
    """The round's books as CSV, one line per leg."""
    call = _call_or_404(call_slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "journal",
            "kind",
            "at",
            "by",
            "on_behalf_of",
            "reverses",
            "account",
            "account_kind",
            "account_name",
            "unit",
            "amount",
            "hash",
        ]
    )
    for row in _exported(call):
        for leg in row["legs"]:
            writer.writerow(
                [
                    spreadsheet_cell(v)
                    for v in (
                        row["journal"],
                        row["kind"],
                        row["at"],
                        row["by"] or "",
                        row["on_behalf_of"] or "",
                        row["reverses"] or "",
                        leg["account"],
                        leg["account_kind"],
                        leg["account_name"],
                        leg["unit"],
                        leg["amount"],
                        row["hash"],
                    )
                ]
            )
    filename = f"ledger-{call.slug}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
