"""Home page: the current edition first, its phase, its deadline and one call to action."""

from __future__ import annotations

from flask import Blueprint
from flask.wrappers import Response

from civic.core.time import utcnow
from civic.processes.forms import PHASE_LABELS
from civic.processes.views import home_feature
from civic.web.page_cache import cached_for_anonymous
from civic.web.rendering import render

bp = Blueprint("home", __name__)


@bp.get("/")
@cached_for_anonymous()
def index() -> Response:
    """Lead with the current edition: its phase, its deadline and one call to action."""
    return render("home/index.html", home=home_feature(now=utcnow()), phase_labels=PHASE_LABELS)
