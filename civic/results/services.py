"""Counting use cases: start a run (the worker counts it, civic.results.tasks), execute it, re-run it, publish it."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.phases import Action, is_open_to_staff
from civic.proposals.models import ProposalStatus
from civic.proposals.services import record_count_status
from civic.results.labels import reason_text, rule_label
from civic.results.models import RunProgress, RunState, TallyRun
from civic.results.permissions import can_publish_results, can_run_counts
from civic.results.queries import ProjectLine, pool_result
from civic.tally import TallyError
from civic.tally.api import get_rule, rule_names
from civic.tally.errors import InvalidElection, RuleNotApplicable, UnknownRule
from civic.tally.model import Election, Number, format_number
from civic.tally.rules import Progress
from civic.voting.models import VotePool
from civic.voting.services import count_pool, election_for_pool
from civic.web.templating import french_first_of_month


def ballots_digest(election: Election) -> str:
    """Fingerprint exactly what is counted: budget, projects and the multiset of ballots."""
    digest = hashlib.sha256()
    digest.update(f"{election.kind}|{election.budget}\n".encode())
    for project in sorted(election.projects, key=lambda p: p.id):
        digest.update(f"p|{project.id}|{project.cost}\n".encode())
    lines = sorted(
        json.dumps([list(g.projects), [str(p) for p in g.points] if g.points else None, g.weight])
        for g in election.groups
    )
    for line in lines:
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def rules_for(pool: VotePool) -> list[str]:
    """Return the rules that can count this pool's kind of ballot, in registry order."""
    return [name for name in rule_names() if pool.vote_type.value in get_rule(name).ballot_kinds]


def start_run(*, actor: User, pool: VotePool, rule: str) -> TallyRun:
    """Queue a count of a pool with a rule; the count itself runs in the background."""
    if not can_run_counts(actor.roles):
        raise PermissionDenied(_l("Only analysts and administrators can run a count."))
    if rule not in rule_names():
        raise ValidationFailed(_l("Unknown counting rule."))
    if rule not in rules_for(pool):
        raise ValidationFailed(_l("This rule cannot count this kind of ballot."))
    run = TallyRun(pool_id=pool.id, rule=rule, created_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="tally.run",
        target_type="vote_pool",
        target_id=pool.id,
        after={"run": run.id, "rule": rule},
    )
    return run


# How often a long count records how far it is and looks whether staff cancelled it (seconds).
PROGRESS_EVERY = 1.0


class CountCancelled(Exception):
    """Raised inside a count when staff cancelled its run."""


def execute_run(run_id: int, *, worker: str | None = None) -> None:
    """Count a queued run and store its digest, outcome and explanation (or the error).

    Rules that raise the per-voter budget step by step (Equal Shares "add1") can take minutes on big
    elections: about once a second the run records the step reached and stops if it was cancelled.
    Only one caller gets to count a run: the first to move it from queued to running (``worker`` names it).
    """
    now = utcnow()
    claim = update(TallyRun).where(TallyRun.id == run_id, TallyRun.state == RunState.QUEUED)
    if db.session.execute(claim.values(state=RunState.RUNNING, started_at=now)).rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return
    run = db.session.get(TallyRun, run_id)
    assert run is not None
    if run.live is None:
        run.live = RunProgress()
    run.live.worker, run.live.heartbeat_at = worker, now
    db.session.commit()
    try:
        election = election_for_pool(run.pool)
        outcome = count_pool(run.pool, run.rule, election=election, progress=_progress_recorder(run))
        if _cancelled(run):
            return
        run.ballots_digest = ballots_digest(election)
        run.ballot_count = election.num_voters
        run.outcome = outcome.to_dict()
        run.state = RunState.DONE
    except CountCancelled:
        return
    except TallyError as error:
        run.error, run.state = str(error), RunState.FAILED
        run.error_code, run.error_params = _failure(run, error)
    except Exception as error:  # a count must never stay "counting" forever
        current_app.logger.exception("count %s failed", run_id)
        fail_unexpectedly(run_id, error)
        return
    run.finished_at = utcnow()
    db.session.commit()


def fail_unexpectedly(run_id: int, error: BaseException) -> None:
    """Mark an unfinished run failed on an unexpected error (shown translated, see labels.failure_text)."""
    db.session.rollback()
    run = db.session.get(TallyRun, run_id)
    if run is None or run.is_finished:
        return
    run.error, run.state = f"{type(error).__name__}: {error}"[:500], RunState.FAILED
    run.error_code, run.error_params = "internal_error", {}
    run.finished_at = utcnow()
    db.session.commit()


def renew_lease(run_id: int) -> None:
    """Record that the worker counting this run is still alive (its heartbeat)."""
    db.session.execute(update(RunProgress).where(RunProgress.run_id == run_id).values(heartbeat_at=utcnow()))
    db.session.commit()


def interrupt_lost_runs(
    *, now: datetime | None = None, worker_is_dead: Callable[[str | None], bool] | None = None
) -> list[TallyRun]:
    """Mark interrupted the running counts whose worker is gone; audited; return them.

    A worker is gone when its heartbeat is older than the lease (QUEUE_LEASE_SECONDS), or when
    ``worker_is_dead`` says so (a worker starting on the same host checks the process ids).
    """
    now = now or utcnow()
    expired = now - timedelta(seconds=current_app.config["QUEUE_LEASE_SECONDS"])
    lost = []
    for run in db.session.scalars(select(TallyRun).where(TallyRun.state == RunState.RUNNING)):
        live = run.live
        seen = (live.heartbeat_at if live else None) or run.started_at or run.created_at
        if seen < expired or (worker_is_dead is not None and worker_is_dead(live.worker if live else None)):
            _interrupt(run, now)
            lost.append(run)
    return lost


def interrupt_run(run_id: int) -> None:
    """Mark a running count interrupted now (its worker is stopping before the count ends)."""
    run = db.session.get(TallyRun, run_id)
    if run is not None and run.state is RunState.RUNNING:
        _interrupt(run, utcnow())


def _interrupt(run: TallyRun, now: datetime) -> None:
    run.state, run.finished_at = RunState.INTERRUPTED, now
    db.session.flush()
    audit.record(
        actor_id=None,
        action="tally.interrupted",
        target_type="vote_pool",
        target_id=run.pool_id,
        after={
            "run": run.id,
            "rule": run.rule,
            "progress": run.progress,
            "worker": run.live and run.live.worker,
        },
    )


def queued_run_ids() -> list[int]:
    """Return the ids of the runs waiting for a worker."""
    return list(db.session.scalars(select(TallyRun.id).where(TallyRun.state == RunState.QUEUED)))


def _failure(run: TallyRun, error: TallyError) -> tuple[str, dict[str, Any]]:
    """Return the code and values that say why a count failed (translated when shown)."""
    if isinstance(error, RuleNotApplicable):
        return "rule_not_applicable", {"rule": run.rule, "kind": run.pool.vote_type.value}
    if isinstance(error, UnknownRule):
        return "unknown_rule", {"rule": run.rule}
    if isinstance(error, InvalidElection):
        return "invalid_ballots", {"detail": str(error)[:300]}
    return "count_error", {"detail": str(error)[:300]}


def _progress_recorder(run: TallyRun) -> Progress:
    last = time.monotonic()

    def record(steps: int, per_voter: Number) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_EVERY:
            return
        last = now
        run.progress = {"steps": steps, "per_voter": format_number(per_voter)}
        if _cancelled(run):
            raise CountCancelled

    return record


def _cancelled(run: TallyRun) -> bool:
    """Commit what the run holds so far, then tell whether staff cancelled it meanwhile (or it was given up).

    A count marked interrupted while its worker still runs (a heartbeat too late) stops too: staff may have
    started it again already.
    """
    # Ending the transaction first lets the next read see a cancellation committed by a request.
    db.session.commit()
    state = db.session.scalar(select(TallyRun.state).where(TallyRun.id == run.id))
    db.session.rollback()
    return state in (RunState.CANCELLED, RunState.INTERRUPTED)


def cancel_run(*, actor: User, run: TallyRun) -> None:
    """Stop a queued or running count (it keeps no outcome); audited."""
    if not can_run_counts(actor.roles):
        raise PermissionDenied(_l("Only analysts and administrators can run a count."))
    if run.is_finished:
        raise Conflict(_l("This count has already finished."))
    before = run.state.value
    run.state, run.finished_at = RunState.CANCELLED, utcnow()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="tally.cancel",
        target_type="vote_pool",
        target_id=run.pool_id,
        before={"run": run.id, "state": before},
        after={"run": run.id, "state": run.state.value, "rule": run.rule, "progress": run.progress},
    )


def rerun(*, actor: User, run: TallyRun) -> TallyRun:
    """Queue the same count again (same pool and rule) to show it gives the same digest and outcome."""
    return start_run(actor=actor, pool=run.pool, rule=run.rule)


def edition_locale(edition: Edition) -> str:
    """Return the language an edition's public record is written in: the town's default language."""
    # Editions have no language of their own yet: the whole town publishes in its default language.
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def publish_run(*, actor: User, run: TallyRun, now: datetime | None = None) -> None:
    """Make a finished run the official result of its pool (replacing a standing one); audited.

    Only during the edition's results phase. Every proposal on the ballot gets the count's verdict
    (selected, or not selected and why) on its public timeline, in the edition's language.
    """
    if not can_publish_results(actor.roles):
        raise PermissionDenied(_l("Only administrators can publish results."))
    if run.state is not RunState.DONE:
        raise Conflict(_l("Only a finished count can be published."))
    if run.is_standing:
        raise Conflict(_l("This count is already the published result."))
    if run.published_at is not None:
        raise Conflict(
            _l("This count was published and then withdrawn: count again to publish a new result.")
        )
    now = now or utcnow()
    if not is_open_to_staff(run.pool.edition.calendar, now, Action.PUBLISH_RESULTS):
        raise Conflict(_l("Results can only be published during the edition's results phase."))
    previous = db.session.scalar(
        select(TallyRun).where(
            TallyRun.pool_id == run.pool_id,
            TallyRun.published_at.is_not(None),
            TallyRun.withdrawn_at.is_(None),
        )
    )
    before = None
    if previous is not None:
        before = {"run": previous.id, "rule": previous.rule}
        previous.withdrawn_at, previous.withdrawn_by_id, previous.replaced_by_id = now, actor.id, run.id
        db.session.flush()
    run.published_at, run.published_by_id = now, actor.id
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="results.publish",
        target_type="vote_pool",
        target_id=run.pool_id,
        before=before,
        after={"run": run.id, "rule": run.rule, "digest": run.ballots_digest},
    )
    _apply_verdicts(actor, run)


def withdraw_publication(*, actor: User, run: TallyRun, reason: str, now: datetime | None = None) -> None:
    """Withdraw a published result with a public reason (kept in the trail); proposals go back on the ballot."""
    if not can_publish_results(actor.roles):
        raise PermissionDenied(_l("Only administrators can withdraw published results."))
    if not run.is_standing:
        raise Conflict(_l("Only the published result in force can be withdrawn."))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_l("Give the public reason for withdrawing this result."))
    run.withdrawn_at, run.withdrawn_by_id, run.withdrawal_reason = now or utcnow(), actor.id, reason
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="results.withdraw",
        target_type="vote_pool",
        target_id=run.pool_id,
        before={"run": run.id, "published_at": run.published_at.isoformat() if run.published_at else None},
        after={"run": run.id, "reason": reason},
    )
    with force_locale(edition_locale(run.pool.edition)):
        text = _(
            "The published result of this vote was withdrawn on %(date)s: %(reason)s",
            date=french_first_of_month(format_date(run.withdrawn_at, "long")),
            reason=reason,
        )
    for vpp in run.pool.projects:
        if vpp.proposal.status not in UNTOUCHED:
            record_count_status(
                actor=actor, proposal=vpp.proposal, status=ProposalStatus.ON_BALLOT, public_reason=text
            )


# Proposals whose journey a count does not change: withdrawn by their authors, or already being built.
UNTOUCHED = frozenset({ProposalStatus.WITHDRAWN, ProposalStatus.IN_PROGRESS, ProposalStatus.DELIVERED})


def _apply_verdicts(actor: User, run: TallyRun) -> None:
    """Put the published count's verdict on each proposal of the ballot, in the edition's language."""
    result = pool_result(run.pool, run)
    verdicts: list[tuple[ProjectLine, ProposalStatus, str]] = []
    with force_locale(edition_locale(run.pool.edition)):
        rule = rule_label(run.rule)
        for line in result.winners:
            text = _(
                "Selected by the published count (rule “%(rule)s”), chosen in position %(order)s.",
                rule=rule,
                order=line.order,
            )
            verdicts.append((line, ProposalStatus.SELECTED, text))
        for line in result.others:
            text = _(
                "Not selected by the published count (rule “%(rule)s”): %(reason)s",
                rule=rule,
                reason=reason_text(line, result.currency),
            )
            verdicts.append((line, ProposalStatus.NOT_SELECTED, text))
    for line, status, text in verdicts:
        proposal = line.pool_project.proposal
        if proposal.status not in UNTOUCHED:
            record_count_status(actor=actor, proposal=proposal, status=status, public_reason=text)
