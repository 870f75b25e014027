"""Background jobs of the commons, run by the worker (``civic worker``), never in a web request: every hour,
crowdfunding campaigns past their deadline are closed (succeeded, or every payment reversed)."""

from __future__ import annotations

from huey import crontab

from civic.commons import campaigns
from civic.core import queue
from civic.core.time import local_today
from civic.extensions import db


def close_due_campaigns() -> dict[str, int]:
    """Close the campaigns whose deadline has passed, in the town's days."""
    outcome = campaigns.close_due(local_today())
    db.session.commit()
    return outcome


queue.huey.periodic_task(crontab(minute="7"))(queue.in_app_context(close_due_campaigns))
