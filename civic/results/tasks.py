"""Background jobs of the results: counts run by the worker (``civic worker``), through the same services.

A count lost with its worker (a restart, a crash, ``kill -9``, the machine rebooting) is marked
*interrupted*, with a "Count again" button, rather than retried by itself: what kills a worker mid-count is
often the count (memory on a huge election), and retrying it would kill the next worker too; a count
has no side effect and gives the same result each time, so counting again by hand loses nothing, and the
staff see (and the audit log keeps) what happened. A count waiting in the queue is not lost: the queue's
storage keeps it until a worker takes it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from huey import crontab
from huey.signals import SIGNAL_INTERRUPTED

from civic.core import queue
from civic.extensions import db
from civic.results import services

log = logging.getLogger(__name__)


@queue.task()
def count_run(run_id: int) -> None:
    """Count a queued run, showing it is alive until it ends; any unexpected error marks it failed."""
    every = current_app.config["QUEUE_LEASE_SECONDS"] / 6
    with queue.heartbeat(lambda: services.renew_lease(run_id), every=every):
        try:
            services.execute_run(run_id, worker=queue.worker_name())
        except Exception as error:
            log.exception("count %s failed", run_id)
            services.fail_unexpectedly(run_id, error)


def _count_interrupted(_signal: str, task: Any, *_args: Any, **_kwargs: Any) -> None:
    # The worker is stopping now (SIGTERM) in the middle of this task: say so at once.
    if isinstance(task, count_run.task_class) and task.args:
        queue.in_app_context(_interrupt)(task.args[0])


def _interrupt(run_id: int) -> None:
    services.interrupt_run(run_id)
    db.session.commit()


queue.huey.signal(SIGNAL_INTERRUPTED)(_count_interrupted)


@queue.at_worker_start
def recover_counts() -> None:
    """Mark interrupted the counts lost with an earlier worker, and queue again those the queue lost."""
    lost = services.interrupt_lost_runs(worker_is_dead=queue.is_dead_here)
    db.session.commit()
    for run in lost:
        log.warning("count %s was interrupted by the end of worker %s", run.id, run.live and run.live.worker)
    # A run is queued in the same transaction as its record only in the database: if putting it in the
    # queue failed (a store down) it waits for ever. Counting one twice is harmless: only one worker claims it.
    pending = {t.args[0] for t in queue.huey.pending() if isinstance(t, count_run.task_class) and t.args}
    for run_id in services.queued_run_ids():
        if run_id not in pending:
            count_run(run_id)


def _close_ended_votes() -> None:
    from civic.results.closing import close_ended_votes

    close_ended_votes()


queue.huey.periodic_task(crontab(minute="*"))(queue.in_app_context(_close_ended_votes))
