"""The style guide: every building block of the interface in every state, for staff (and the axe checks)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from flask import Blueprint
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from civic.accounts.roles import STAFF_ROLES, Role
from civic.core.time import utcnow
from civic.processes.forms import PHASE_LABELS
from civic.processes.phases import PHASE_ORDER
from civic.processes.queries import StepState, TimelineStep
from civic.proposals.models import ProposalStatus
from civic.web.decorators import permission_required
from civic.web.rendering import render

bp = Blueprint("styleguide", __name__)


def is_staff(roles: Collection[Role]) -> bool:
    """Tell whether someone holds any staff role (administrators included)."""
    return bool(STAFF_ROLES.intersection(roles))


class SpecimenForm(FlaskForm):
    """A form shown filled in and with errors; it is never submitted."""

    class Meta:
        csrf = False

    title = StringField(
        _l("Title of the project"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("In a few words, what the project is."),
    )
    place = StringField(_l("Where?"), validators=[DataRequired()])
    agree = BooleanField(_l("I have read the participation charter"), validators=[DataRequired()])


def specimen_steps() -> list[TimelineStep]:
    """One step in each state: done, current, to come, not planned."""
    now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    states = [StepState.DONE, StepState.CURRENT, StepState.UPCOMING, StepState.UPCOMING, StepState.UPCOMING]
    states.append(StepState.UNSCHEDULED)
    steps = []
    for index, (kind, state) in enumerate(zip(PHASE_ORDER, states, strict=True)):
        if state is StepState.UNSCHEDULED:
            steps.append(TimelineStep(kind, state))
            continue
        start = now + timedelta(days=30 * (index - 1) - 10)
        steps.append(TimelineStep(kind, state, start, start + timedelta(days=29)))
    return steps


@bp.get("/styleguide")
@permission_required(is_staff)
def styleguide() -> Response:
    clean = SpecimenForm(formdata=MultiDict({"title": "Jardin partagé", "place": "Kervenec"}), prefix="ok")
    broken = SpecimenForm(formdata=MultiDict({"title": "", "place": ""}), prefix="ko")
    broken.validate()
    return render(
        "web/styleguide.html",
        clean_form=clean,
        broken_form=broken,
        statuses=list(ProposalStatus),
        steps=specimen_steps(),
        phase_labels=PHASE_LABELS,
    )
