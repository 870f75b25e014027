"""Pure eligibility rules: age on the vote day, and which districts a person votes in."""

from __future__ import annotations

from datetime import date

from civic.eligibility.rules import Birth, DistrictReach, age_on, old_enough, voting_reach
from civic.voting.ballot_rules import DistrictsPerVoter


def test_age_counts_whole_years_on_the_vote_day():
    assert age_on(Birth(2010, date(2010, 6, 30)), date(2026, 6, 30)) == 16
    assert age_on(Birth(2010, date(2010, 7, 1)), date(2026, 6, 30)) == 15


def test_a_birth_year_alone_counts_as_born_on_31_december():
    assert not old_enough(Birth(2010), vote_day=date(2026, 12, 30), minimum_age=16)
    assert old_enough(Birth(2010), vote_day=date(2026, 12, 31), minimum_age=16)
    assert old_enough(Birth(2015), vote_day=date(2026, 1, 1), minimum_age=None)


def test_reach_follows_the_districts_per_voter_rule():
    assert voting_reach(DistrictReach.OWN, 2, [1, 2, 3]).district_ids == (2,)
    plus_one = voting_reach(DistrictReach.OWN_PLUS_ONE, 2, [1, 2, 3])
    assert plus_one.district_ids == (2,) and plus_one.extra_choices == 1
    assert voting_reach(DistrictReach.ALL, 2, [1, 2, 3]).everywhere
    assert voting_reach(DistrictReach.OWN, None, [1, 2]).district_ids == ()


def test_reach_values_are_those_of_the_ballot_setting():
    assert {r.value for r in DistrictReach} == {d.value for d in DistrictsPerVoter}
