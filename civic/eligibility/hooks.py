"""What higher packages tell eligibility, without civic.eligibility importing them.

The edition's "districts per voter" setting is the ballot's (``civic.voting``, above eligibility in the
layers contract): voting registers ``districts_rule`` when its blueprint is registered; until then every
person votes in their own district.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from civic.eligibility.rules import DistrictReach

if TYPE_CHECKING:
    from civic.processes.models import Edition


@dataclass
class EligibilityHooks:
    # The edition's DistrictsPerVoter value ("own", "own_plus_one", "all").
    districts_rule: Callable[[Edition], str] = lambda edition: DistrictReach.OWN.value
    # "Paper cancels online": when the edition allows it (and can still tell a person's ballots), the
    # function that supersedes a person's online ballots (given their person_key); None otherwise.
    online_cancellation: Callable[[Edition], Callable[[str], None] | None] = lambda edition: None


def eligibility_hooks(app: Flask | None = None) -> EligibilityHooks:
    """Return the app's eligibility hooks (the defaults until a higher package registers its own)."""
    return (app or current_app).extensions.setdefault("civic_eligibility_hooks", EligibilityHooks())  # type: ignore[no-any-return]
