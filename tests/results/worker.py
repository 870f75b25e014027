"""A real worker process for tests/results/test_worker.py: ``python -m tests.results.worker [MODE]``.

MODE ``real`` counts as production does; ``endless`` makes every count report progress for ever (the
longest Equal Shares count, until the worker is killed); ``boom`` makes every count raise an unexpected
error. The environment names the database (DATABASE_URL) and the queue (CIVIC_QUEUE_URL).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from civic import create_app
from civic.core.queue import run_worker
from civic.results import services


def endless(pool: Any, rule: str, *, election: Any = None, progress: Any = None) -> Any:
    """Report ever higher per-voter budgets through the progress hook, and never finish."""
    steps = 0
    while True:
        steps += 1
        progress(steps, 50 + steps)
        time.sleep(0.01)


def boom(pool: Any, rule: str, **_options: Any) -> Any:
    """Fail as a bug in the engine would."""
    raise RuntimeError("the engine broke")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "real"
    if mode == "endless":
        services.count_pool = endless
        services.PROGRESS_EVERY = 0.1
    elif mode == "boom":
        services.count_pool = boom
    run_worker(create_app())
