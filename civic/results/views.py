"""Public results of an edition, and the staff pages to run, re-run and publish counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from civic.extensions import db, htmx
from civic.processes.permissions import can_view_edition
from civic.processes.views import visible_edition_or_404
from civic.results import queries, services, tasks
from civic.results.forms import ConfirmForm, RunForm, WithdrawForm
from civic.results.labels import (
    ballot_kind_label,
    failure_text,
    reason_text,
    rule_help,
    rule_kinds,
    rule_label,
    run_state_label,
    score_header,
    score_number,
)
from civic.results.models import TallyRun
from civic.results.permissions import can_publish_results, can_run_counts
from civic.voting.models import VotePool
from civic.web.decorators import permission_required
from civic.web.page_cache import cached_for_anonymous
from civic.web.rendering import render

bp = Blueprint("results", __name__)
bp.add_app_template_global(can_run_counts, "can_run_counts")
bp.add_app_template_global(rule_label, "rule_label")
bp.add_app_template_global(rule_help, "rule_help")
bp.add_app_template_global(run_state_label, "run_state_label")
bp.add_app_template_global(failure_text, "failure_text")
bp.add_app_template_global(score_header, "score_header")
bp.add_app_template_global(reason_text, "result_reason")
bp.add_app_template_global(ballot_kind_label, "ballot_kind_label")
bp.add_app_template_global(rule_kinds, "rule_kinds")
bp.add_app_template_filter(score_number, "score_number")
# Edition pages (processes) show where an imported election comes from through this global.
bp.add_app_template_global(queries.imported_source, "imported_source")


def _pool_or_404(pool_id: int) -> VotePool:
    """Return a ballot box whose edition the visitor may see (in preparation: administrators only)."""
    pool = db.session.get(VotePool, pool_id)
    if pool is None or not can_view_edition(current_user.roles, published=pool.edition.published):
        abort(404)
    return pool


def _run_or_404(run_id: int) -> TallyRun:
    """Return a count of a ballot box the visitor may see (same rule as the edition's counts page)."""
    run = db.session.get(TallyRun, run_id)
    if run is None:
        abort(404)
    _pool_or_404(run.pool_id)
    return run


@bp.get("/editions/<edition_slug>/results")
@cached_for_anonymous()
def edition_results(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug, with_everything=False)
    tab = "compare" if request.args.get("tab") == "compare" else "winners"
    # The ballot-box sections are rendered once per results_key (civic.web.cache); the counts and their
    # explanations are read from the database only when the key is new.
    results = _Lazy(
        lambda: [queries.pool_result(p, queries.published_run(p)) for p in queries.pools_of(edition)]
    )
    key = ("results", edition.id, edition.slug, tab, queries.results_key(edition))
    return render("results/edition.html", edition=edition, results=results, tab=tab, results_key=key)


class _Lazy:
    """A list computed the first time a template iterates over it."""

    def __init__(self, compute: Callable[[], list[Any]]) -> None:
        self._compute = compute
        self._items: list[Any] | None = None

    def _list(self) -> list[Any]:
        if self._items is None:
            self._items = self._compute()
        return self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __getitem__(self, index: int) -> Any:
        return self._list()[index]


@bp.get("/editions/<edition_slug>/results.json")
def results_document(edition_slug: str) -> Response:
    """The published result of each ballot box held in Civic: what anyone recounting ``ballots.pb`` must find."""
    edition = visible_edition_or_404(edition_slug)
    pools = []
    for pool in db.session.scalars(
        select(VotePool)
        .where(VotePool.edition_id == edition.id, VotePool.source.is_(None))
        .order_by(VotePool.id)
    ):
        run = queries.published_run(pool)
        if run is not None and run.outcome is not None:
            pools.append(
                {
                    "district": pool.district.slug if pool.district else None,
                    "rule": run.rule,
                    "budget": run.outcome["budget"],
                    "selected": list(run.outcome["selected"]),
                }
            )
    return jsonify({"edition": edition.slug, "pools": pools})


@bp.get("/staff/editions/<edition_slug>/counts")
@permission_required(can_run_counts)
def counts(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    _notice_lost_counts()
    pools = [
        (pool, queries.latest_runs(pool), services.rules_for(pool)) for pool in queries.pools_of(edition)
    ]
    return render(
        "results/counts.html",
        edition=edition,
        pools=pools,
        form=RunForm(),
        confirm_form=ConfirmForm(),
        can_publish=can_publish_results(current_user.roles),
    )


@bp.post("/staff/pools/<int:pool_id>/runs")
@permission_required(can_run_counts)
def start_run(pool_id: int) -> Response:
    pool = _pool_or_404(pool_id)
    form = RunForm()
    # Only the rules that can count this pool's kind of ballot are valid choices (else 422).
    form.fill_choices(services.rules_for(pool))
    if not form.validate_on_submit():
        abort(422)
    run = services.start_run(actor=current_user, pool=pool, rule=form.rule.data)
    db.session.commit()
    tasks.count_run(run.id)  # after the commit: the worker must find the run
    return redirect(url_for("results.run_detail", run_id=run.id), 303)  # type: ignore[return-value]


@bp.get("/staff/runs/<int:run_id>")
@permission_required(can_run_counts)
def run_detail(run_id: int) -> Response:
    run = _run_or_404(run_id)
    if not run.is_finished:
        _notice_lost_counts()
    result = queries.pool_result(run.pool, run)
    return render(
        "results/run.html",
        fragment="results/_run_status.html",
        run=run,
        result=result,
        confirm_form=ConfirmForm(),
        can_publish=can_publish_results(current_user.roles),
    )


def _notice_lost_counts() -> None:
    """Mark interrupted the counts whose worker stopped showing it is alive, before a page shows them."""
    if services.interrupt_lost_runs():
        db.session.commit()


@bp.post("/staff/runs/<int:run_id>/rerun")
@permission_required(can_run_counts)
def rerun(run_id: int) -> Response:
    run = _run_or_404(run_id)
    new_run = services.rerun(actor=current_user, run=run)
    db.session.commit()
    tasks.count_run(new_run.id)
    return redirect(url_for("results.run_detail", run_id=new_run.id), 303)  # type: ignore[return-value]


def _confirmed() -> bool:
    """Tell whether the post comes from the confirmation page (its button sends confirmed=yes)."""
    return request.form.get("confirmed") == "yes"


@bp.get("/staff/runs/<int:run_id>/cancel")
@permission_required(can_run_counts)
def confirm_cancel(run_id: int) -> Response:
    run = _run_or_404(run_id)
    return render("results/confirm.html", run=run, action="cancel", form=ConfirmForm())


@bp.post("/staff/runs/<int:run_id>/cancel")
@permission_required(can_run_counts)
def cancel(run_id: int) -> Response:
    run = _run_or_404(run_id)
    if not _confirmed():
        return redirect(url_for("results.confirm_cancel", run_id=run.id), 303)  # type: ignore[return-value]
    services.cancel_run(actor=current_user, run=run)
    db.session.commit()
    flash(_("The count has been cancelled."), "success")
    return redirect(url_for("results.run_detail", run_id=run.id), 303)  # type: ignore[return-value]


@bp.get("/staff/runs/<int:run_id>/publish")
@permission_required(can_publish_results)
def confirm_publish(run_id: int) -> Response:
    run = _run_or_404(run_id)
    return render(
        "results/confirm.html",
        run=run,
        action="publish",
        result=queries.pool_result(run.pool, run),
        current=queries.published_run(run.pool),
        form=ConfirmForm(),
    )


@bp.post("/staff/runs/<int:run_id>/publish")
@permission_required(can_publish_results)
def publish(run_id: int) -> Response:
    run = _run_or_404(run_id)
    if not _confirmed():
        return redirect(url_for("results.confirm_publish", run_id=run.id), 303)  # type: ignore[return-value]
    services.publish_run(actor=current_user, run=run)
    db.session.commit()
    flash(_("The count has been published as the official result."), "success")
    target = url_for("results.edition_results", edition_slug=run.pool.edition.slug)
    return redirect(target, 303) if not htmx else Response(status=204, headers={"HX-Redirect": target})  # type: ignore[return-value]


@bp.route("/staff/runs/<int:run_id>/withdraw", methods=["GET", "POST"])
@permission_required(can_publish_results)
def withdraw(run_id: int) -> Response:
    run = _run_or_404(run_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render("results/confirm.html", run=run, action="withdraw", form=form, status=status)
    services.withdraw_publication(actor=current_user, run=run, reason=form.reason.data or "")
    db.session.commit()
    flash(_("The published result has been withdrawn; the reason is shown on the results page."), "success")
    return redirect(url_for("results.edition_results", edition_slug=run.pool.edition.slug), 303)  # type: ignore[return-value]
