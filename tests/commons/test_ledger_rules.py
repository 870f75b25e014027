"""The co-budget ledger's pure arithmetic: any sequence of operations keeps every invariant (hypothesis)."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from civic.commons import ledger_rules as lr
from civic.commons.ledger_rules import BudgetLine, Delegation, Ledger, LedgerRefusal, Unit

MEMBERS = 4
PROJECT_CAPS = (5_000, 12_000)


def _book():
    book = Ledger()
    outside = book.open(Unit.EUR_CENTS, floor=None)
    pool = book.open(Unit.EUR_CENTS)
    return book, outside, pool


def test_a_contribution_past_the_cap_or_the_allocation_is_refused_and_changes_nothing():
    book, outside, pool = _book()
    wallet = book.open(Unit.EUR_CENTS)
    project = book.open(Unit.EUR_CENTS, cap=500)
    book.post("fund", [(outside, -1_000), (pool, 1_000)])
    book.post("allocate", [(pool, -600), (wallet, 600)])
    book.post("contribute", [(wallet, -400), (project, 400)])
    before = copy.deepcopy(book)
    with pytest.raises(LedgerRefusal) as over:
        book.post("contribute", [(wallet, -200), (project, 200)])
    assert over.value.reason == lr.OVER_CAP and over.value.account_id == project
    with pytest.raises(LedgerRefusal) as short:
        book.post("allocate", [(pool, -401), (wallet, 401)])
    assert short.value.reason == lr.NOT_ENOUGH and short.value.account_id == pool
    for legs, reason in (
        ([], lr.EMPTY),
        ([(wallet, 0)], lr.ZERO_AMOUNT),
        ([(wallet, -1)], lr.UNBALANCED),
        ([(wallet, -1), (99, 1)], lr.UNKNOWN_ACCOUNT),
    ):
        with pytest.raises(LedgerRefusal) as refused:
            book.post("contribute", legs)
        assert refused.value.reason == reason
    assert book == before and lr.problems(book) == []


def test_money_of_different_units_never_balances_a_journal():
    book, outside, _pool = _book()
    hours = book.open(Unit.MINUTES, floor=None)
    with pytest.raises(LedgerRefusal) as refused:
        book.post("fund", [(outside, -60), (hours, 60)])
    assert refused.value.reason == lr.UNBALANCED


def test_a_journal_is_reversed_at_most_once_and_a_reversal_never():
    book, outside, pool = _book()
    funded = book.post("fund", [(outside, -1_000), (pool, 1_000)])
    reversal = book.reverse(funded.id)
    assert book.balance(pool) == 0 and reversal.reverses == funded.id
    for target, reason in (
        (funded.id, lr.ALREADY_REVERSED),
        (reversal.id, lr.REVERSAL_OF_REVERSAL),
        (99, lr.UNKNOWN_JOURNAL),
    ):
        with pytest.raises(LedgerRefusal) as refused:
            book.reverse(target)
        assert refused.value.reason == reason
    assert lr.problems(book) == []


def test_a_reversal_that_would_overdraw_is_refused():
    book, outside, pool = _book()
    wallet = book.open(Unit.EUR_CENTS)
    funded = book.post("fund", [(outside, -1_000), (pool, 1_000)])
    book.post("allocate", [(pool, -1_000), (wallet, 1_000)])
    with pytest.raises(LedgerRefusal) as refused:  # the pool's money is in the wallet now
        book.reverse(funded.id)
    assert refused.value.reason == lr.NOT_ENOUGH and funded.id not in book.reversed_by


def test_an_idempotency_key_posts_once():
    book, outside, pool = _book()
    book.post("fund", [(outside, -500), (pool, 500)], key="form-1")
    with pytest.raises(LedgerRefusal) as refused:
        book.post("fund", [(outside, -500), (pool, 500)], key="form-1")
    assert refused.value.reason == lr.DUPLICATE_KEY and book.balance(pool) == 500


def test_a_pledge_is_reserved_then_delivered_partly_exactly_once():
    book = Ledger()
    world = book.open(Unit.MINUTES, floor=None)
    offer = book.open(Unit.MINUTES)
    need = book.open(Unit.MINUTES, cap=1_200)  # 20 h of design
    book.post("offer", [(world, -900), (offer, 900)])
    pledge = book.reserve(offer, need, 600)
    assert book.accounts[offer].pending_out == 600 and book.accounts[need].pending_in == 600
    with pytest.raises(LedgerRefusal) as over:  # 900 offered, 600 pledged: 400 more is too much
        book.reserve(offer, need, 400)
    assert over.value.reason == lr.NOT_ENOUGH
    book.settle(pledge.id, 420)  # 7 h delivered of the 10 pledged
    assert (book.balance(need), book.balance(offer)) == (420, 480)
    assert book.accounts[offer].pending_out == 0 and book.pending[pledge.id].posted == 420
    for again in (lambda: book.settle(pledge.id), lambda: book.void(pledge.id)):
        with pytest.raises(LedgerRefusal) as refused:
            again()
        assert refused.value.reason == lr.PENDING_SETTLED
    voided = book.reserve(offer, need, 100)
    book.void(voided.id, expired=True)
    assert book.pending[voided.id].state == "expired" and book.accounts[offer].pending_out == 0
    assert lr.problems(book) == []


def test_the_checks_find_a_tampered_posting_a_broken_chain_and_a_drifting_balance():
    book, outside, pool = _book()
    book.post("fund", [(outside, -1_000), (pool, 1_000)])
    book.post("fund", [(outside, -500), (pool, 500)])
    assert lr.problems(book) == []
    tampered = copy.deepcopy(book)
    tampered.postings[1] = replace(tampered.postings[1], amount=900)
    assert any("sum of its postings" in p for p in lr.problems(tampered))
    rewritten = copy.deepcopy(book)
    rewritten.journals[1] = replace(rewritten.journals[1], kind="refund")
    assert any("hash chain" in p for p in lr.problems(rewritten))
    drifted = copy.deepcopy(book)
    drifted.accounts[pool] = replace(drifted.accounts[pool], balance=1_400)
    found = lr.problems(drifted)
    assert any("balance_after" in p for p in found) and any("sum to" in p for p in found)


def test_delegation_depth_cycles_and_provenance():
    given = {
        1: Delegation(1, truster=10, delegate=20),  # A -> B
        2: Delegation(2, truster=20, delegate=30, parent=1),  # B -> C
        3: Delegation(3, truster=30, delegate=40, parent=2),  # C -> D (depth 3)
    }
    assert lr.may_delegate(given, truster=10, delegate=10) == "self"
    assert lr.may_delegate(given, truster=40, delegate=50, parent=3) == "too_deep"
    assert lr.may_delegate(given, truster=30, delegate=10, parent=2) == "cycle"
    assert lr.may_delegate(given, truster=20, delegate=50, parent=2) == "not_yours"
    assert lr.may_delegate(given, truster=30, delegate=50, parent=2) is None
    assert (
        lr.may_delegate({**given, 2: replace(given[2], revoked=True)}, truster=30, delegate=50, parent=2)
        == "not_yours"
    )
    assert lr.provenance(given, 3) == (10, [20, 30], 40)  # given by D on behalf of A, via B and C
    assert lr.provenance(given, 1) == (10, [], 20)


@st.composite
def _match_case(draw):
    return {
        "contribution": draw(st.integers(-10, 10_000)),
        "ratio": (draw(st.integers(0, 5)), draw(st.integers(1, 4))),
        "per_contribution_cap": draw(st.none() | st.integers(-5, 5_000)),
        "member_left": draw(st.none() | st.integers(-5, 5_000)),
        "project_left": draw(st.none() | st.integers(-5, 5_000)),
        "pool_left": draw(st.integers(-5, 50_000)),
    }


@given(_match_case())
@settings(max_examples=300, deadline=None)
def test_a_match_is_within_every_cap_and_the_ratio(case):
    amount = lr.match_for(**case)
    numerator, denominator = case["ratio"]
    assert 0 <= amount <= max(case["contribution"], 0) * numerator // denominator
    for bound in ("per_contribution_cap", "member_left", "project_left", "pool_left"):
        if case[bound] is not None:
            assert amount <= max(case[bound], 0)
    # With no cap binding, the match is exactly the ratio, rounded down (deterministic).
    if case["contribution"] > 0 and all(
        case[b] is None for b in ("per_contribution_cap", "member_left", "project_left")
    ):
        assert amount == min(case["contribution"] * numerator // denominator, max(case["pool_left"], 0))


def test_goals_funding_and_the_indicative_value_of_time():
    lines = [BudgetLine("prototype", 2_000_00, 3_000_00), BudgetLine("ateliers", 1_000_00, 1_500_00)]
    assert lr.goals(lines) == (3_000_00, 4_500_00)
    assert not lr.is_funded(3_500_00, lines, closed=False) and lr.is_funded(3_500_00, lines, closed=True)
    assert lr.is_funded(4_500_00, lines, closed=False) and not lr.is_funded(2_999_99, lines, closed=True)
    assert lr.indicative_value_cents(120, 1) == 2 * lr.SMIC_HOURLY_CENTS
    assert lr.indicative_value_cents(90, 3) == 3 * lr.SMIC_HOURLY_CENTS * 3 // 2
    with pytest.raises(ValueError):
        lr.indicative_value_cents(60, 4)


class CoBudget(RuleBasedStateMachine):
    """Funders, an organiser, members, delegates and projects doing anything in any order."""

    def __init__(self) -> None:
        super().__init__()
        self.book, self.outside, self.pool = _book()
        self.wallets = [self.book.open(Unit.EUR_CENTS) for _ in range(MEMBERS)]
        self.projects = [self.book.open(Unit.EUR_CENTS, cap=cap) for cap in PROJECT_CAPS]
        self.world_time = self.book.open(Unit.MINUTES, floor=None)
        self.offers = [self.book.open(Unit.MINUTES) for _ in range(MEMBERS)]
        self.needs = [self.book.open(Unit.MINUTES, cap=1_200) for _ in PROJECT_CAPS]
        self.delegations: dict[int, Delegation] = {}
        self.earmarks: dict[int, int] = {}  # delegation id -> its earmark account
        self.funded = 0
        self.refusals = 0

    def _try(self, action):
        before = copy.deepcopy(self.book)
        try:
            return action()
        except LedgerRefusal:
            self.refusals += 1
            assert self.book == before, "a refused operation changed the book"
            return None

    def _amount(self, data, source: int, anything: int) -> int:
        """Mostly an amount the source can pay (so that operations go through), sometimes any amount."""
        left = self.book.balance(source)
        return data.draw(st.integers(1, left)) if left > 0 and data.draw(st.booleans()) else anything

    def _holder(self, delegation_id: int) -> int:
        """The account the delegated money came from: the parent's earmark, or the truster's wallet."""
        parent = self.delegations[delegation_id].parent
        return (
            self.earmarks[parent]
            if parent is not None
            else self.wallets[self.delegations[delegation_id].truster]
        )

    @initialize(amount=st.integers(0, 60_000), share=st.integers(0, 12_000))
    def open_the_round(self, amount, share):
        """A funder puts money in the pool and the organiser allocates it evenly (as far as it goes)."""
        if amount:
            self.book.post("fund", [(self.outside, -amount), (self.pool, amount)])
            self.funded += amount
        for wallet in self.wallets:
            share = min(share, self.book.balance(self.pool))
            if share:
                self.book.post("allocate", [(self.pool, -share), (wallet, share)])

    @rule(amount=st.integers(1, 20_000))
    def fund(self, amount):
        if self._try(lambda: self.book.post("fund", [(self.outside, -amount), (self.pool, amount)])):
            self.funded += amount

    @rule(member=st.integers(0, MEMBERS - 1), amount=st.integers(1, 10_000))
    def allocate(self, member, amount):
        amount = min(amount, self.book.balance(self.pool)) or amount  # mostly within the pool
        self._try(lambda: self.book.post("allocate", [(self.pool, -amount), (self.wallets[member], amount)]))

    @rule(
        member=st.integers(0, MEMBERS - 1),
        project=st.integers(0, len(PROJECT_CAPS) - 1),
        amount=st.integers(1, 8_000),
        data=st.data(),
    )
    def contribute(self, member, project, amount, data):
        amount = self._amount(data, self.wallets[member], amount)
        self._try(
            lambda: self.book.post(
                "contribute", [(self.wallets[member], -amount), (self.projects[project], amount)]
            )
        )

    @rule(data=st.data(), amount=st.integers(1, 5_000))
    def delegate(self, data, amount):
        truster = data.draw(st.integers(0, MEMBERS - 1))
        delegate = data.draw(st.integers(0, MEMBERS - 1))
        mine = [d.id for d in self.delegations.values() if d.delegate == truster and not d.revoked]
        parent = data.draw(st.sampled_from([None, *mine]))
        if lr.may_delegate(self.delegations, truster=truster, delegate=delegate, parent=parent) is not None:
            return
        new_id = len(self.delegations) + 1
        source = self.earmarks[parent] if parent is not None else self.wallets[truster]
        amount = self._amount(data, source, amount)
        earmark = self.book.open(Unit.EUR_CENTS)
        if self._try(lambda: self.book.post("delegate", [(source, -amount), (earmark, amount)])):
            self.delegations[new_id] = Delegation(new_id, truster, delegate, parent)
            self.earmarks[new_id] = earmark

    @precondition(lambda self: self.delegations)
    @rule(data=st.data(), project=st.integers(0, len(PROJECT_CAPS) - 1), amount=st.integers(1, 5_000))
    def contribute_as_delegate(self, data, project, amount):
        delegation = data.draw(st.sampled_from(sorted(self.delegations)))
        if self.delegations[delegation].revoked:
            return
        earmark = self.earmarks[delegation]
        amount = self._amount(data, earmark, amount)
        self._try(
            lambda: self.book.post("contribute", [(earmark, -amount), (self.projects[project], amount)])
        )

    @precondition(lambda self: self.delegations)
    @rule(data=st.data())
    def revoke(self, data):
        delegation = data.draw(st.sampled_from(sorted(self.delegations)))
        if self.delegations[delegation].revoked:
            return
        left = self.book.balance(self.earmarks[delegation])
        if (
            left
            and self._try(
                lambda: self.book.post(
                    "revoke", [(self.earmarks[delegation], -left), (self._holder(delegation), left)]
                )
            )
            is None
        ):
            return
        self.delegations[delegation] = replace(self.delegations[delegation], revoked=True)

    @precondition(lambda self: self.book.journals)
    @rule(data=st.data())
    def reverse(self, data):
        journal = data.draw(st.sampled_from(sorted(self.book.journals)))
        kind = self.book.journals[journal].kind
        if self._try(lambda: self.book.reverse(journal)) and kind == "fund":
            self.funded -= -self.book.journals[journal].legs[0][1]

    @rule(
        member=st.integers(0, MEMBERS - 1),
        need=st.integers(0, len(PROJECT_CAPS) - 1),
        minutes=st.integers(1, 900),
    )
    def pledge(self, member, need, minutes):
        self._try(
            lambda: self.book.post("offer", [(self.world_time, -minutes), (self.offers[member], minutes)])
        )
        self._try(lambda: self.book.reserve(self.offers[member], self.needs[need], minutes))

    @precondition(lambda self: any(p.state == "pending" for p in self.book.pending.values()))
    @rule(data=st.data())
    def settle_or_void(self, data):
        pending = data.draw(st.sampled_from([p for p in self.book.pending.values() if p.state == "pending"]))
        choice = data.draw(st.sampled_from(["all", "part", "void", "expire"]))
        if choice == "all":
            self._try(lambda: self.book.settle(pending.id))
        elif choice == "part":
            self._try(lambda: self.book.settle(pending.id, data.draw(st.integers(0, pending.amount))))
        else:
            self._try(lambda: self.book.void(pending.id, expired=choice == "expire"))

    @invariant()
    def the_books_hold(self):
        assert lr.problems(self.book) == []

    @invariant()
    def delegation_neither_loses_nor_creates_money(self):
        inside = [self.pool, *self.wallets, *self.projects, *self.earmarks.values()]
        assert sum(self.book.balance(a) for a in inside) == self.funded == -self.book.balance(self.outside)

    @invariant()
    def no_project_past_its_maximum_and_no_wallet_below_zero(self):
        assert all(self.book.balance(p) <= cap for p, cap in zip(self.projects, PROJECT_CAPS, strict=True))
        assert all(self.book.balance(a) >= 0 for a in [self.pool, *self.wallets, *self.earmarks.values()])


CoBudget.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_any_sequence_of_operations_keeps_every_invariant = CoBudget.TestCase
