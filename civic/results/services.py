"""Counting use cases: start a run (in the background), execute it, re-run it, publish it."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db
from civic.results.models import RunState, TallyRun
from civic.results.permissions import can_publish_results, can_run_counts
from civic.tally import TallyError
from civic.tally.api import rule_names
from civic.tally.model import Election, Number, format_number
from civic.tally.rules import Progress
from civic.voting.models import VotePool
from civic.voting.services import count_pool, election_for_pool


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


def start_run(*, actor: User, pool: VotePool, rule: str) -> TallyRun:
    """Queue a count of a pool with a rule; the count itself runs in the background."""
    if not can_run_counts(actor.roles):
        raise PermissionDenied(_l("Only analysts and administrators can run a count."))
    if rule not in rule_names():
        raise ValidationFailed(_l("Unknown counting rule."))
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


def execute_run(run_id: int) -> None:
    """Count a queued run and store its digest, outcome and explanation (or the error).

    Rules that raise the per-voter budget step by step (Equal Shares "add1") can take minutes on big
    elections: about once a second the run records the step reached and stops if it was cancelled.
    """
    run = db.session.get(TallyRun, run_id)
    if run is None or run.state is not RunState.QUEUED:
        return
    run.state, run.started_at = RunState.RUNNING, utcnow()
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
    run.finished_at = utcnow()
    db.session.commit()


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
    """Commit what the run holds so far, then tell whether staff cancelled it meanwhile."""
    # Ending the transaction first lets the next read see a cancellation committed by a request.
    db.session.commit()
    state = db.session.scalar(select(TallyRun.state).where(TallyRun.id == run.id))
    db.session.rollback()
    return state is RunState.CANCELLED


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


def publish_run(*, actor: User, run: TallyRun) -> None:
    """Make a finished run the official result of its pool (replacing a previous one); audited."""
    if not can_publish_results(actor.roles):
        raise PermissionDenied(_l("Only administrators can publish results."))
    if run.state is not RunState.DONE:
        raise Conflict(_l("Only a finished count can be published."))
    previous = db.session.scalar(
        select(TallyRun).where(TallyRun.pool_id == run.pool_id, TallyRun.published_at.is_not(None))
    )
    before = None
    if previous is not None and previous.id != run.id:
        before = {"run": previous.id, "rule": previous.rule}
        previous.published_at = None
        db.session.flush()
    run.published_at, run.published_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="results.publish",
        target_type="vote_pool",
        target_id=run.pool_id,
        before=before,
        after={"run": run.id, "rule": run.rule, "digest": run.ballots_digest},
    )


def submit_in_background(run_id: int) -> Future[None]:
    """Hand a run to the app's single counting thread; the request never waits for it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    executor: ThreadPoolExecutor = app.extensions.setdefault(
        "civic_tally_executor", ThreadPoolExecutor(max_workers=1, thread_name_prefix="civic-tally")
    )
    return executor.submit(_in_app_context(app, execute_run), run_id)


def _in_app_context(app: Flask, job: Callable[[int], None]) -> Callable[[int], None]:
    def run(run_id: int) -> None:
        with app.app_context():
            try:
                job(run_id)
            finally:
                db.session.remove()

    return run
