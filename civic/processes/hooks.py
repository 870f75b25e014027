"""What higher packages tell editions about themselves, without civic.processes importing them.

civic.processes sits below civic.proposals in the layers contract (pyproject.toml), yet the edition page
shows how many proposals and comments an edition gathered, and an edition may not drop a theme or district
that proposals still use. Proposals register these answers when its blueprint is registered on the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from civic.processes.models import Edition


@dataclass(frozen=True)
class EditionCounts:
    proposals: int
    comments: int
    contributors: int


NO_COUNTS = EditionCounts(proposals=0, comments=0, contributors=0)


@dataclass
class EditionHooks:
    # The public counts of an edition's page.
    counts: Callable[[Edition], EditionCounts] = lambda edition: NO_COUNTS
    # How many proposals of the edition use a theme (theme_id=…) or a district (district_id=…).
    uses: Callable[..., int] = lambda edition, **where: 0


def edition_hooks(app: Flask | None = None) -> EditionHooks:
    """Return the app's edition hooks (the defaults until a higher package registers its own)."""
    return (app or current_app).extensions.setdefault("civic_edition_hooks", EditionHooks())  # type: ignore[no-any-return]
