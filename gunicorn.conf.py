"""Gunicorn settings read by `gunicorn 'civic:create_app()'` from this folder.

Only a start-up check lives here: the number of workers comes from the command line or WEB_CONCURRENCY.
"""

import os


def on_starting(server):
    """Warn when several workers would each keep their own rate-limit counters in memory."""
    from civic.config import ratelimit_storage_warning

    storage = os.environ.get("CIVIC_RATELIMIT_STORAGE_URI", "memory://")
    warning = ratelimit_storage_warning(storage, server.cfg.workers)
    if warning:
        server.log.warning(warning)
