"""Qualification is a pure function: monotone, guaranteed minimum, tie rules, envelope bound (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from civic.preselection.rules import (
    Candidate,
    DistrictFigures,
    Reason,
    Rule,
    ThresholdKind,
    TieRule,
    qualify,
    seed_key,
)

KINDS = list(ThresholdKind)


@st.composite
def elections(draw: st.DrawFn, kinds: list[ThresholdKind] = KINDS, costed: bool = False):
    kind = draw(st.sampled_from(kinds))
    tie = draw(st.sampled_from(list(TieRule)))
    value = {
        ThresholdKind.NONE: 0,
        ThresholdKind.ABSOLUTE: draw(st.integers(1, 12)),
        ThresholdKind.POPULATION_SHARE: draw(st.integers(1, 500)),
        ThresholdKind.PARTICIPANT_SHARE: draw(st.integers(1, 10_000)),
        ThresholdKind.TOP_N: draw(st.integers(1, 8)),
        ThresholdKind.ENVELOPE_MULTIPLE: draw(st.integers(1, 300)),
    }[kind]
    rule = Rule(
        threshold_kind=kind,
        threshold_value=value,
        guaranteed_minimum=draw(st.integers(0, 6)),
        tie_rule=tie,
        random_seed=draw(st.text(min_size=1, max_size=8)),
    )
    n = draw(st.integers(0, 12))
    cost = st.integers(1, 50_000) if costed else st.one_of(st.none(), st.integers(1, 50_000))
    candidates = [Candidate(i + 1, draw(st.integers(0, 15)), draw(cost)) for i in range(n)]
    figures = DistrictFigures(
        population=draw(st.integers(1, 5_000)),
        participants=draw(st.integers(0, 200)),
        envelope_cents=draw(st.integers(0, 200_000)),
    )
    return rule, candidates, figures


def _qualified(rule, candidates, figures) -> set[int]:
    return {o.proposal_id for o in qualify(rule, candidates, figures).outcomes if o.qualified}


@settings(max_examples=400)
@given(elections(), st.data())
def test_one_more_support_never_unqualifies_a_proposal(election, data) -> None:
    rule, candidates, figures = election
    if not candidates:
        return
    index = data.draw(st.integers(0, len(candidates) - 1))
    before = _qualified(rule, candidates, figures)
    boosted = list(candidates)
    boosted[index] = replace(candidates[index], supports=candidates[index].supports + 1)
    after = _qualified(rule, boosted, figures)
    if candidates[index].proposal_id in before:
        assert candidates[index].proposal_id in after


@settings(max_examples=300)
@given(elections())
def test_the_guaranteed_minimum_always_holds(election) -> None:
    rule, candidates, figures = election
    assert len(_qualified(rule, candidates, figures)) >= min(rule.guaranteed_minimum, len(candidates))


@settings(max_examples=300)
@given(elections(costed=True))
def test_all_tied_never_separates_proposals_with_as_many_supports(election) -> None:
    rule, candidates, figures = election
    rule = replace(rule, tie_rule=TieRule.ALL_TIED)
    outcomes = qualify(rule, candidates, figures).outcomes
    by_supports: dict[int, set[bool]] = {}
    for outcome in outcomes:
        by_supports.setdefault(outcome.supports, set()).add(outcome.qualified)
    assert all(len(states) == 1 for states in by_supports.values())


@settings(max_examples=300)
@given(elections(kinds=[ThresholdKind.TOP_N, ThresholdKind.ENVELOPE_MULTIPLE], costed=True))
def test_a_tie_rule_lets_the_first_of_the_tie_through(election) -> None:
    rule, candidates, figures = election
    for tie in (TieRule.CHEAPER_FIRST, TieRule.RANDOM_SEED):
        ruled = replace(rule, tie_rule=tie, guaranteed_minimum=0)
        result = qualify(ruled, candidates, figures).by_proposal()
        if ruled.threshold_kind is not ThresholdKind.TOP_N:
            continue  # the envelope skips what does not fit: a cheaper later one may pass a dearer one
        for a in candidates:
            for b in candidates:
                if a.supports != b.supports or a.supports == 0 or a.proposal_id == b.proposal_id:
                    continue
                if result[b.proposal_id].qualified and not result[a.proposal_id].qualified:
                    if tie is TieRule.CHEAPER_FIRST:
                        assert (b.cost_cents, b.proposal_id) < (a.cost_cents, a.proposal_id)
                    else:
                        assert seed_key(ruled.random_seed, b.proposal_id) < seed_key(
                            ruled.random_seed, a.proposal_id
                        )


@settings(max_examples=300)
@given(elections(kinds=[ThresholdKind.ENVELOPE_MULTIPLE]))
def test_the_envelope_kind_never_exceeds_k_times_the_envelope_except_for_the_minimum(election) -> None:
    rule, candidates, figures = election
    result = qualify(rule, candidates, figures)
    costs = {c.proposal_id: c.cost_cents or 0 for c in candidates}
    spent = sum(
        costs[o.proposal_id]
        for o in result.outcomes
        if o.qualified and o.reason is not Reason.GUARANTEED_MINIMUM
    )
    assert result.budget_cents is not None
    assert spent <= result.budget_cents


def test_counts_threshold_explains_rank_and_needed_supports() -> None:
    rule = Rule(threshold_kind=ThresholdKind.ABSOLUTE, threshold_value=15)
    result = qualify(
        rule, [Candidate(1, 20), Candidate(2, 12), Candidate(3, 12), Candidate(4, 3)], DistrictFigures()
    )
    outcomes = result.by_proposal()
    assert result.needed == 15
    assert [outcomes[i].rank for i in (1, 2, 3, 4)] == [1, 2, 2, 4]
    assert outcomes[1].qualified and not outcomes[2].qualified
    assert outcomes[2].reason is Reason.BELOW_THRESHOLD


def test_top_n_with_all_tied_takes_the_whole_tie_and_cheaper_first_takes_the_cheaper() -> None:
    candidates = [Candidate(1, 9, 500), Candidate(2, 5, 900), Candidate(3, 5, 100)]
    all_tied = qualify(Rule(ThresholdKind.TOP_N, 2), candidates, DistrictFigures())
    assert {o.proposal_id for o in all_tied.outcomes if o.qualified} == {1, 2, 3}
    cheaper = qualify(
        Rule(ThresholdKind.TOP_N, 2, tie_rule=TieRule.CHEAPER_FIRST), candidates, DistrictFigures()
    )
    assert {o.proposal_id for o in cheaper.outcomes if o.qualified} == {1, 3}


def test_share_of_population_rounds_up_and_guaranteed_minimum_fills_from_the_best() -> None:
    rule = Rule(ThresholdKind.POPULATION_SHARE, 150, guaranteed_minimum=2)  # 1.5 % of 1 000 = 15
    result = qualify(
        rule, [Candidate(1, 16), Candidate(2, 10), Candidate(3, 2)], DistrictFigures(population=1000)
    )
    outcomes = result.by_proposal()
    assert result.needed == 15
    assert outcomes[1].reason is Reason.REACHED_THRESHOLD
    assert outcomes[2].reason is Reason.GUARANTEED_MINIMUM
    assert not outcomes[3].qualified


def test_envelope_kind_skips_what_does_not_fit_and_keeps_going() -> None:
    rule = Rule(ThresholdKind.ENVELOPE_MULTIPLE, 150, tie_rule=TieRule.CHEAPER_FIRST)  # 1.5 × 10 000 = 15 000
    candidates = [
        Candidate(1, 9, 10_000),
        Candidate(2, 8, 6_000),
        Candidate(3, 7, 5_000),
        Candidate(4, 6, None),
    ]
    result = qualify(rule, candidates, DistrictFigures(envelope_cents=10_000))
    outcomes = result.by_proposal()
    assert result.budget_cents == 15_000
    assert outcomes[1].qualified and not outcomes[2].qualified and outcomes[3].qualified
    assert outcomes[4].reason is Reason.NO_COST
