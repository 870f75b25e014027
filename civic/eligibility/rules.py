"""Pure eligibility rules: minimum age on the vote date, and which districts' ballots a person votes on.

No framework imports (import-linter contract "Pure packages import no framework").
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


class DistrictReach(enum.StrEnum):
    """In how many districts a person votes; the values are those of ``voting.ballot_rules.DistrictsPerVoter``.

    Eligibility sits below voting in the layers contract, so it cannot import the voting enum: the voting
    package tells it the edition's setting through ``civic.eligibility.hooks`` (tests keep the values in sync).
    """

    OWN = "own"
    OWN_PLUS_ONE = "own_plus_one"
    ALL = "all"


@dataclass(frozen=True)
class Birth:
    """A birth as a census gives it: a full date, or only a year."""

    year: int
    day: date | None = None

    def conservative_date(self) -> date:
        """Return the birth date, or 31 December of the year when only the year is known (never too young)."""
        return self.day or date(self.year, 12, 31)


def age_on(birth: Birth, when: date) -> int:
    """Return a person's age in whole years on ``when``."""
    born = birth.conservative_date()
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def old_enough(birth: Birth, *, vote_day: date, minimum_age: int | None) -> bool:
    """Tell whether the person has reached the minimum age on the vote day (no minimum: always)."""
    return minimum_age is None or age_on(birth, vote_day) >= minimum_age


@dataclass(frozen=True)
class Reach:
    """The districts a roll entry votes in: fixed ones, plus how many others the person may choose."""

    district_ids: tuple[int, ...]
    extra_choices: int = 0
    everywhere: bool = False


def voting_reach(rule: DistrictReach, own_district_id: int | None, edition_districts: Sequence[int]) -> Reach:
    """Return which districts' ballots a person on the roll votes on, per the edition's rule."""
    if rule is DistrictReach.ALL or not edition_districts:
        return Reach(district_ids=tuple(edition_districts), everywhere=True)
    own = (own_district_id,) if own_district_id in edition_districts else ()
    if rule is DistrictReach.OWN_PLUS_ONE:
        return Reach(district_ids=own, extra_choices=1 if len(edition_districts) > len(own) else 0)
    return Reach(district_ids=own)
