"""Human labels for proposal statuses and channels, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.proposals.models import Channel, ProposalStatus

STATUS_LABELS = {
    ProposalStatus.DRAFT: _l("Draft"),
    ProposalStatus.SUBMITTED: _l("Submitted"),
    ProposalStatus.WITHDRAWN: _l("Withdrawn by its authors"),
    ProposalStatus.PRESELECTED: _l("Pre-selected"),
    ProposalStatus.NOT_PRESELECTED: _l("Not pre-selected"),
    ProposalStatus.FEASIBLE: _l("Analysed: feasible"),
    ProposalStatus.NOT_FEASIBLE: _l("Analysed: not feasible"),
    ProposalStatus.MERGED: _l("Merged into another proposal"),
    ProposalStatus.ON_BALLOT: _l("On the ballot"),
    ProposalStatus.SELECTED: _l("Selected"),
    ProposalStatus.NOT_SELECTED: _l("Not selected"),
    ProposalStatus.IN_PROGRESS: _l("In progress"),
    ProposalStatus.DELIVERED: _l("Delivered"),
}
CHANNEL_LABELS = {Channel.ONLINE: _l("Online"), Channel.IN_PERSON: _l("In person")}
ORDERED_PUBLIC_STATUSES = [s for s in ProposalStatus if s is not ProposalStatus.DRAFT]


def status_label(status: ProposalStatus) -> str:
    """Return the translated label of a status."""
    return str(STATUS_LABELS[status])
