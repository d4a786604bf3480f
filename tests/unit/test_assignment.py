"""Blind double annotation planning (pure Python, no Django needed)."""

from __future__ import annotations

import time
from itertools import combinations
from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.assignment import (
    PairPlan,
    canonical_round,
    load_per_labeler,
    plan_assignments,
    videos_per_pair,
)


def labs(n: int) -> list[str]:
    return [f"L{i}" for i in range(n)]


def spreads(pairs, labelers) -> tuple[int, int]:
    """(max - min load, max - min videos per pair), over the given labelers and all their pairs."""
    load = load_per_labeler(pairs, labelers)
    shared = videos_per_pair(pairs, labelers)
    load_values = [load[lab] for lab in labelers]
    pair_values = [shared[p] for p in combinations(labelers, 2)]
    return max(load_values) - min(load_values), max(pair_values) - min(pair_values)


def check_plan(plan: list[PairPlan], videos, labelers) -> None:
    assert [p.video for p in plan] == list(videos)  # each video exactly once, in order
    for p in plan:
        a, b = p.labelers
        assert a != b and a in labelers and b in labelers


def pairs_of(plan: list[PairPlan]) -> list[tuple]:
    return [p.labelers for p in plan]


# ----------------------------------------------------------------------------- table-driven


@pytest.mark.parametrize(
    ("n_labelers", "n_videos", "loads", "pair_counts"),
    [
        (5, 10, {4}, {1}),  # iMiGUE's 5 labelers: every pair exactly once
        (5, 359, {143, 144}, {35, 36}),  # iMiGUE's 359 videos
        (5, 20, {8}, {2}),
        (2, 7, {7}, {7}),
        (3, 3, {2}, {1}),
        (3, 4, {2, 3}, {1, 2}),
        (4, 6, {3}, {1}),
        (10, 45, {9}, {1}),
        (10, 1000, {200}, {22, 23}),
        (6, 1, {0, 1}, {0, 1}),
    ],
)
def test_table(n_labelers: int, n_videos: int, loads: set, pair_counts: set) -> None:
    labelers = labs(n_labelers)
    plan = plan_assignments(range(n_videos), labelers)
    check_plan(plan, range(n_videos), labelers)
    assert set(load_per_labeler(pairs_of(plan), labelers).values()) == loads
    assert set(videos_per_pair(pairs_of(plan), labelers).values()) == pair_counts


def test_five_labelers_first_round_is_every_pair_once_and_starts_with_a_cycle() -> None:
    plan = plan_assignments([f"v{i}" for i in range(10)], "ABCDE")
    pairs = [frozenset(p.labelers) for p in plan]
    assert sorted(map(sorted, pairs)) == sorted(map(list, combinations("ABCDE", 2)))
    first5 = load_per_labeler(pairs_of(plan[:5]), "ABCDE")
    assert set(first5.values()) == {2}  # the first five videos form a Hamiltonian cycle


def test_359_videos_every_pair_shares_enough_for_reliability() -> None:
    plan = plan_assignments(range(359), labs(5))
    assert min(videos_per_pair(pairs_of(plan), labs(5)).values()) >= 35


def test_no_videos_gives_an_empty_plan() -> None:
    assert plan_assignments([], labs(5)) == []


@pytest.mark.parametrize(
    ("videos", "labelers", "existing", "message"),
    [
        (range(3), [], (), "at least 2 labelers, got 0"),
        (range(3), ["solo"], (), "at least 2 labelers, got 1"),
        (range(3), ["a", "b", "a"], (), "labeler 'a' is listed twice"),
        (["v1", "v2", "v1"], ["a", "b"], (), "video 'v1' is listed twice"),
        (range(3), ["a", "b"], [("a", "a")], "same labeler twice"),
        (range(3), ["a", "b"], [("a",)], "expected a pair of labelers"),
    ],
)
def test_invalid_input_raises(videos, labelers, existing, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_assignments(videos, labelers, existing)


@pytest.mark.parametrize("n", range(2, 17))
def test_canonical_round_uses_each_pair_once_with_balanced_prefixes(n: int) -> None:
    order = canonical_round(n)
    assert sorted(order) == list(combinations(range(n), 2))
    load = [0] * n
    for a, b in order:
        load[a] += 1
        load[b] += 1
        assert max(load) - min(load) <= 1


def test_helpers_count_loads_and_pairs() -> None:
    pairs = [("a", "b"), ("b", "a"), PairPlan("v", ("a", "c"))]
    assert load_per_labeler(pairs) == {"a": 3, "b": 2, "c": 1}
    assert load_per_labeler(pairs, ["a", "b", "c", "d"]) == {"a": 3, "b": 2, "c": 1, "d": 0}
    assert videos_per_pair(pairs) == {("a", "b"): 2, ("a", "c"): 1}
    assert videos_per_pair(pairs, ["c", "b", "a"]) == {("c", "b"): 0, ("c", "a"): 1, ("b", "a"): 2}
    assert videos_per_pair([(1, "x"), ("x", 1)]) == {(1, "x"): 2}  # incomparable members


def test_departed_labeler_counts_towards_load_only() -> None:
    existing = [("A", "gone"), ("A", "gone"), ("B", "C")]
    plan = plan_assignments(range(5), "ABC", existing)
    load = load_per_labeler(existing + pairs_of(plan), "ABC")
    assert max(load[x] for x in "ABC") - min(load[x] for x in "ABC") <= 1


def test_manual_reassignment_is_rebalanced() -> None:
    existing = pairs_of(plan_assignments(range(20), labs(5)))
    existing[0] = ("L4", "L3")  # a manual reassignment: L0/L1 -> L3/L4
    plan = plan_assignments(range(20, 40), labs(5), existing)
    load_gap, pair_gap = spreads(existing + pairs_of(plan), labs(5))
    assert load_gap == 0 and pair_gap <= 1


@pytest.mark.parametrize("n", [10, 12, 16, 21])
@pytest.mark.parametrize("first", [7, 50, 130])
def test_labelers_listed_in_another_order_between_batches(n: int, first: int) -> None:
    # e.g. a queryset without order_by: the history is balanced but not this order's prefix.
    labelers = labs(n)
    existing = pairs_of(plan_assignments(range(first), labelers[1::2] + labelers[::2]))
    for second in (1, n // 2, comb(n, 2) - 3, 2 * comb(n, 2) + 5):
        batch = plan_assignments(range(first, first + second), labelers, existing)
        load_gap, pair_gap = spreads(existing + pairs_of(batch), labelers)
        assert load_gap <= 1 and pair_gap <= 1


@pytest.mark.parametrize(
    "existing",
    [(), [("L0", "L1")] * 300, pairs_of(plan_assignments(range(77), labs(10)[::-1]))],
    ids=["empty", "unbalanced", "balanced-other-order"],
)
def test_thousand_videos_ten_labelers_is_fast(existing) -> None:
    start = time.perf_counter()
    plan = plan_assignments(range(1000), labs(10), existing)
    assert time.perf_counter() - start < 0.5
    assert len(plan) == 1000


# ------------------------------------------------------------------------------- properties

n_labelers = st.integers(min_value=2, max_value=9)


@settings(max_examples=150, deadline=None)
@given(n_labelers, st.integers(min_value=0, max_value=150))
def test_from_empty_both_invariants_hold(n: int, n_videos: int) -> None:
    labelers = labs(n)
    plan = plan_assignments(range(n_videos), labelers)
    check_plan(plan, range(n_videos), labelers)
    if n_videos:
        load_gap, pair_gap = spreads(pairs_of(plan), labelers)
        assert load_gap <= 1 and pair_gap <= 1
    if n_videos >= comb(n, 2):
        assert min(videos_per_pair(pairs_of(plan), labelers).values()) >= 1


@settings(max_examples=60, deadline=None)
@given(n_labelers, st.integers(min_value=1, max_value=80))
def test_from_empty_every_prefix_is_balanced(n: int, n_videos: int) -> None:
    plan = plan_assignments(range(n_videos), labs(n))
    for end in range(1, n_videos + 1):
        assert spreads(pairs_of(plan[:end]), labs(n))[0] <= 1


@settings(max_examples=80, deadline=None)
@given(n_labelers, st.integers(min_value=0, max_value=100), st.data())
def test_deterministic(n: int, n_videos: int, data: st.DataObject) -> None:
    labelers = labs(n)
    existing = data.draw(st.lists(st.tuples(*[st.sampled_from(labelers)] * 2), max_size=20))
    existing = [p for p in existing if p[0] != p[1]]
    first = plan_assignments(range(n_videos), labelers, existing)
    assert plan_assignments(range(n_videos), labelers, existing) == first
    # The video ids do not influence who gets which slot.
    renamed = plan_assignments([f"v{i}" for i in range(n_videos)], labelers, existing)
    assert pairs_of(renamed) == pairs_of(first)


@settings(max_examples=100, deadline=None)
@given(n_labelers, st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5))
def test_batches_continue_the_balanced_plan(n: int, batch_sizes: list[int]) -> None:
    labelers = labs(n)
    done: list[PairPlan] = []
    for size in batch_sizes:
        videos = range(len(done), len(done) + size)
        batch = plan_assignments(videos, labelers, pairs_of(done))
        check_plan(batch, videos, labelers)
        done += batch
        if done:
            load_gap, pair_gap = spreads(pairs_of(done), labelers)
            assert load_gap <= 1 and pair_gap <= 1
    # Planning in batches gives the same plan as planning everything at once.
    assert done == plan_assignments(range(len(done)), labelers)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=3, max_value=9),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=60),
    st.randoms(use_true_random=False),
)
def test_continuing_from_a_balanced_plan_made_in_another_order(
    n: int, first: int, second: int, rng
) -> None:
    # A balanced history that is not this function's own prefix (e.g. the labelers were listed
    # in another order): the search still keeps both invariants.
    labelers = labs(n)
    shuffled = labelers[:]
    rng.shuffle(shuffled)
    existing = pairs_of(plan_assignments(range(first), shuffled))
    batch = plan_assignments(range(first, first + second), labelers, existing)
    check_plan(batch, range(first, first + second), labelers)
    load_gap, pair_gap = spreads(existing + pairs_of(batch), labelers)
    assert load_gap <= 1 and pair_gap <= 1


def _best_load_gap(loads: list[int], k: int) -> int:
    """Smallest max - min load reachable by adding k videos (each labeler at most once per
    video, so at most k each), by exhaustive search."""
    best = max(loads) - min(loads) if k == 0 else 10**9

    def place(i: int, left: int, added: list[int]) -> None:
        nonlocal best
        if i == len(loads) - 1:
            if left <= k:
                final = [x + y for x, y in zip(loads, [*added, left], strict=True)]
                best = min(best, max(final) - min(final))
            return
        for x in range(min(k, left) + 1):
            place(i + 1, left - x, [*added, x])

    if k:
        place(0, 2 * k, [])
    return best


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=2, max_value=5),
    st.integers(min_value=0, max_value=9),
    st.data(),
)
def test_arbitrary_existing_never_worsens_and_balances_optimally(
    n: int, k: int, data: st.DataObject
) -> None:
    labelers = labs(n)
    anyone = st.sampled_from([*labelers, "departed"])
    existing = data.draw(st.lists(st.tuples(anyone, anyone), max_size=30))
    existing = [p for p in existing if p[0] != p[1]]
    before = load_per_labeler(existing, labelers)
    before_loads = [before[lab] for lab in labelers]
    plan = plan_assignments(range(k), labelers, existing)
    check_plan(plan, range(k), labelers)
    after = load_per_labeler(existing + pairs_of(plan), labelers)
    after_gap = max(after[lab] for lab in labelers) - min(after[lab] for lab in labelers)
    assert after_gap <= max(max(before_loads) - min(before_loads), 1)
    assert after_gap == _best_load_gap(before_loads, k)
