"""The board's arithmetic: canonical content, trackers, the batch chain and its signatures (pure)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civic.voting import board

ids = st.lists(st.text("abcdefghij0123456789", min_size=1, max_size=4), unique=True, max_size=8)


@given(ids, st.randoms())
def test_approval_content_does_not_depend_on_the_order_choices_were_made(chosen, rnd):
    shuffled = list(chosen)
    rnd.shuffle(shuffled)
    one = board.canonical_content("approval", [(p, None) for p in chosen])
    other = board.canonical_content("approval", [(p, None) for p in shuffled])
    assert one == other
    assert json.loads(one) == {"c": sorted(chosen)}


@given(ids.filter(lambda x: len(x) >= 2))
def test_rankings_keep_their_order_and_points_stay_with_their_project(chosen):
    ranked = board.canonical_content("ordinal", [(p, None) for p in chosen])
    assert json.loads(ranked) == {"c": chosen}
    assert ranked != board.canonical_content("ordinal", [(p, None) for p in reversed(chosen)])
    points = [(p, n + 1) for n, p in enumerate(chosen)]
    content = json.loads(board.canonical_content("cumulative", list(reversed(points))))
    assert content == {"c": [[p, n] for p, n in sorted(points)]}


def test_impossible_contents_are_refused():
    with pytest.raises(board.ContentError):
        board.canonical_content("approval", [("a", None), ("a", None)])
    with pytest.raises(board.ContentError):
        board.canonical_content("cumulative", [("a", 0)])
    with pytest.raises(board.ContentError):
        board.canonical_content("cumulative", [("a", None)])


def test_the_tracker_is_the_documented_hash_and_differs_for_identical_ballots():
    content = board.canonical_content("approval", [("p1", None), ("p2", None)])
    first, second = secrets.token_bytes(16), secrets.token_bytes(16)
    expected = base64.b32encode(hashlib.sha256(first + content).digest()).decode()[:16]
    assert board.tracker(first, content) == expected
    assert board.tracker(first, content) != board.tracker(second, content)
    assert len(expected) == 16 and set(expected) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    shown = board.shown_tracker(expected)
    assert shown.count("-") == 3 and board.normalised_tracker(shown.lower()) == expected


def _board(batches: list[list[str]]):
    key = board.new_signing_key()
    public = board.public_key(key)
    sealed, previous = [], board.GENESIS
    for number, trackers in enumerate(batches, start=1):
        digest = board.batch_hash(previous, trackers)
        sealed.append(
            board.SealedBatch(number, tuple(sorted(trackers)), previous, digest, board.sign(key, digest))
        )
        previous = digest
    return public, sealed


@given(
    st.lists(
        st.lists(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16), min_size=1, max_size=5
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_board_built_by_the_rules_checks_out(batches):
    public, sealed = _board(batches)
    assert board.chain_problems(public, sealed) == []


def test_every_tampering_is_found():
    public, sealed = _board([["A" * 16, "B" * 16], ["C" * 16], ["D" * 16, "E" * 16]])
    first, second, third = sealed
    # A ballot's tracker dropped from a sealed batch.
    dropped = board.SealedBatch(2, (), second.previous, second.hash, second.signature)
    assert "batch 2: its hash does not match its trackers" in board.chain_problems(
        public, [first, dropped, third]
    )
    # A batch removed from the middle.
    assert "batch 3: expected number 2" in board.chain_problems(public, [first, third])
    assert "batch 3: does not follow the previous batch" in board.chain_problems(public, [first, third])
    # A batch re-sealed by someone without the vote's key.
    forged_hash = board.batch_hash(second.previous, ["C" * 16, "F" * 16])
    forged = board.SealedBatch(
        2,
        ("C" * 16, "F" * 16),
        second.previous,
        forged_hash,
        board.sign(board.new_signing_key(), forged_hash),
    )
    assert "batch 2: the signature is not the vote key's" in board.chain_problems(public, [first, forged])
    assert not board.verify(public, first.hash, "00" * 64)
    assert not board.verify(public, first.hash, "not hex")
