"""The pure agreement module (docs/design.md §6): hand-checked tables plus properties that must hold
for any input. No database: every test here runs on plain Segments."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement import (
    RULE_VERSION,
    THETA_GRID,
    DisagreementKind,
    Segment,
    boundary_deltas,
    compare_project,
    compare_video,
    frame_kappa,
    pool,
    pooled_frame_kappa,
    r_avg,
    r_curve,
    r_per_category,
    tiou,
)
from tests.support.paths import REPO

K = DisagreementKind


def segs(prefix: str, *rows: tuple[int, int, str]) -> list[Segment]:
    return [Segment(f"{prefix}{n}", s, e, c) for n, (s, e, c) in enumerate(rows, 1)]


def kinds(result) -> list[tuple[DisagreementKind, str | None, str | None]]:
    return [
        (d.kind, d.a.id if d.a else None, d.b.id if d.b else None) for d in result.disagreements
    ]


# The worked example of the issue: one match, one low overlap, one label conflict, one only in B.
A = segs("a", (100, 130, "c1"), (200, 215, "c2"), (400, 420, "c3"))
B = segs("b", (104, 133, "c1"), (205, 230, "c2"), (402, 418, "c4"), (600, 610, "c1"))


def test_worked_example():
    result = compare_video(A, B, theta=0.5)
    assert [(m.a.id, m.b.id) for m in result.matches] == [("a1", "b1")]
    assert result.matches[0].tiou == pytest.approx(27 / 34)
    assert kinds(result) == [
        (K.LOW_OVERLAP, "a2", "b2"),
        (K.LABEL_CONFLICT, "a3", "b3"),
        (K.ONLY_J, None, "b4"),
    ]
    assert result.disagreements[0].tiou == pytest.approx(11 / 31)
    assert result.disagreements[1].tiou == pytest.approx(17 / 21)
    assert (result.m, result.n_i, result.n_j) == (1, 3, 4)
    assert result.r == pytest.approx(2 / 7)
    assert result.theta == 0.5 and result.rule_version == RULE_VERSION
    assert result.disagreement_counts() == {
        K.LABEL_CONFLICT: 1,
        K.LOW_OVERLAP: 1,
        K.ONLY_I: 0,
        K.ONLY_J: 1,
    }
    # Seen from the other side, "only in j" becomes "only in i".
    assert kinds(compare_video(B, A)) == [
        (K.LOW_OVERLAP, "b2", "a2"),
        (K.LABEL_CONFLICT, "b3", "a3"),
        (K.ONLY_I, "b4", None),
    ]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 9), (0, 9), 1.0),
        ((0, 9), (10, 19), 0.0),  # adjacent: no shared frame
        ((0, 9), (9, 18), 1 / 19),  # one shared frame: ends are inclusive
        ((0, 9), (5, 14), 5 / 15),
        ((0, 0), (0, 0), 1.0),  # a one-frame segment has length 1, not 0
        ((0, 19), (5, 14), 10 / 20),  # containment
    ],
)
def test_tiou_on_inclusive_frames(a, b, expected):
    x, y = Segment("x", *a, "c"), Segment("y", *b, "c")
    assert tiou(x, y) == pytest.approx(expected)
    assert tiou(y, x) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("theta", "matched"),
    [(0.5, True), (0.50001, False)],  # tIoU exactly θ is feasible (≥, not >)
)
def test_theta_is_inclusive(theta, matched):
    result = compare_video(segs("a", (0, 19, "c")), segs("b", (5, 14, "c")), theta)
    assert (result.m == 1) is matched
    if not matched:
        assert kinds(result) == [(K.LOW_OVERLAP, "a1", "b1")]


@pytest.mark.parametrize("theta", [0, -0.1, 1.5])
def test_theta_out_of_range_is_refused(theta):
    with pytest.raises(ValueError, match="theta"):
        compare_video(A, B, theta)


@pytest.mark.parametrize(("start", "end"), [(5, 4), (-1, 3)])
def test_invalid_segments_are_refused(start, end):
    with pytest.raises(ValueError):
        Segment("x", start, end, "c")


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        compare_video([Segment(1, 0, 5, "c"), Segment(1, 6, 9, "c")], [])


def greedy_matches(a: list[Segment], b: list[Segment], theta: float) -> int:
    """The naive rule §6.3 rules out: take the best-tIoU feasible pair first, repeatedly."""
    pairs = sorted(
        (
            (tiou(x, y), k, ll)
            for k, x in enumerate(a)
            for ll, y in enumerate(b)
            if x.category == y.category and tiou(x, y) >= theta
        ),
        reverse=True,
    )
    used_a, used_b, count = set(), set(), 0
    for _, k, ll in pairs:
        if k not in used_a and ll not in used_b:
            used_a.add(k)
            used_b.add(ll)
            count += 1
    return count


def test_optimum_keeps_a_match_that_greedy_loses():
    # a1–b1 0.4375 (the best pair), a1–b2 0.4, a2–b1 0.353, a2–b2 0: greedy takes a1–b1 and
    # strands the other two; the optimum pairs a1–b2 and a2–b1.
    a = segs("a", (0, 9, "c"), (10, 19, "c"))
    b = segs("b", (3, 15, "c"), (0, 3, "c"))
    assert greedy_matches(a, b, 0.3) == 1
    result = compare_video(a, b, 0.3)
    assert sorted((m.a.id, m.b.id) for m in result.matches) == [("a1", "b2"), ("a2", "b1")]
    assert result.disagreements == ()
    assert result.r == 1.0


def test_equal_counts_are_decided_by_total_tiou():
    # Both perfect matchings are feasible at θ = 0.3 (two matches each); the straight one sums
    # tIoU 2.0, the crossed one 2 × 1/3. B is given crossed, so position alone would cross.
    a = segs("a", (0, 9, "c"), (5, 14, "c"))
    b = [Segment("b-late", 5, 14, "c"), Segment("b-early", 0, 9, "c")]
    result = compare_video(a, b, 0.3)
    assert sorted((m.a.id, m.b.id) for m in result.matches) == [
        ("a1", "b-early"),
        ("a2", "b-late"),
    ]
    assert [m.tiou for m in result.matches] == [1.0, 1.0]


def test_label_conflict_pass_is_one_to_one_and_optimal():
    # The greedy geometry again, with four different categories: no match, and the second pass
    # (category ignored) must also keep both pairs rather than take the best one first.
    a = segs("a", (0, 9, "x"), (10, 19, "w"))
    b = segs("b", (3, 15, "y"), (0, 3, "z"))
    result = compare_video(a, b, 0.3)
    assert result.m == 0
    assert kinds(result) == [(K.LABEL_CONFLICT, "a1", "b2"), (K.LABEL_CONFLICT, "a2", "b1")]


def test_only_in_and_empty_sides():
    result = compare_video(segs("a", (0, 5, "c")), [], 0.5)
    assert kinds(result) == [(K.ONLY_I, "a1", None)]
    assert result.r == 0.0
    empty = compare_video([], [], 0.5)
    assert (empty.m, empty.r, empty.disagreements) == (0, None, ())  # 0/0: undefined


def test_pooled_pair_r_is_sum_over_sum():
    other = compare_video(
        segs("a", (0, 9, "c"), (20, 29, "d")), segs("b", (1, 9, "c"), (20, 30, "d"))
    )
    pooled = pool([compare_video(A, B), other])
    assert (pooled.videos, pooled.m, pooled.n_i, pooled.n_j) == (2, 3, 5, 6)
    assert pooled.r == pytest.approx(2 * (1 + 2) / (7 + 4))  # 6/11, not mean(2/7, 1)
    with pytest.raises(ValueError, match="different thetas"):
        pool([compare_video(A, B, 0.5), compare_video(A, B, 0.6)])


def test_compare_project_pairs_and_r_avg():
    annotations = {
        "v1": {"ann": A, "bob": B, "cy": A},
        "v2": {"ann": segs("a", (0, 9, "c")), "bob": segs("b", (0, 9, "c"))},
        "v3": {"bob": [], "cy": []},  # shared, but nothing marked by either
        "v4": {"dee": A},  # nobody to compare with
    }
    project = compare_project(annotations, theta=0.5)
    by_pair = {(p.labeler_i, p.labeler_j): p for p in project.pairs}
    assert set(by_pair) == {("ann", "bob"), ("ann", "cy"), ("bob", "cy")}
    assert (by_pair["ann", "bob"].videos, by_pair["ann", "bob"].m) == (2, 2)
    assert by_pair["ann", "bob"].r == pytest.approx(4 / 9)
    assert by_pair["ann", "cy"].r == 1.0
    assert by_pair["bob", "cy"].videos == 2 and by_pair["bob", "cy"].r == pytest.approx(2 / 7)
    assert project.r_avg == pytest.approx((4 / 9 + 1 + 2 / 7) / 3)
    assert len(project.videos) == 5
    # b4 is "only in j" against ann (bob is j there) and "only in i" against cy (bob is i).
    counts = project.disagreement_counts()
    assert (counts[K.ONLY_J], counts[K.ONLY_I]) == (1, 1)
    assert project.theta == 0.5 and project.rule_version == RULE_VERSION


def test_r_avg_skips_pairs_without_r():
    assert r_avg([]) is None
    assert r_avg(compare_project({"v": {1: [], 2: []}}).pairs) is None


def test_r_per_category():
    per = r_per_category([compare_video(A, B)])
    assert {c: (p.m, p.n_i, p.n_j) for c, p in per.items()} == {
        "c1": (1, 1, 2),
        "c2": (0, 1, 1),
        "c3": (0, 1, 0),
        "c4": (0, 0, 1),
    }
    assert per["c1"].r == pytest.approx(2 / 3)
    assert per["c3"].r == 0.0


def test_r_curve_on_the_worked_example():
    curve = r_curve([(A, B)])
    assert [p.theta for p in curve] == list(THETA_GRID)
    assert THETA_GRID == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    # a1–b1 has tIoU 0.79, a2–b2 0.35: two matches up to θ = 0.3, one up to 0.7, none after.
    assert [p.m for p in curve] == [2, 2, 2, 1, 1, 1, 1, 0, 0]
    assert curve[0].r == pytest.approx(4 / 7)


def test_boundary_deltas():
    a = segs("a", (10, 20, "c"), (50, 60, "c"), (80, 90, "c"))
    b = segs("b", (12, 19, "c"), (47, 60, "c"), (81, 95, "c"))
    deltas = boundary_deltas(compare_video(a, b, 0.5).matches)
    assert deltas.onsets == (2, -3, 1) and deltas.offsets == (-1, 0, 5)
    assert deltas.onset.mean == pytest.approx(0.0) and deltas.onset.median == 1.0
    assert deltas.onset.mean_abs == pytest.approx(2.0) and deltas.onset.median_abs == 2.0
    assert deltas.offset.mean_abs == pytest.approx(2.0) and deltas.offset.median == 0.0
    assert boundary_deltas([]).onset.mean is None


@pytest.mark.parametrize(
    ("seg_i", "seg_j", "frames", "expected"),
    [
        # 10 frames; i marks 0–4 as c, j marks 0–3: po = 0.9, pe = 0.5·0.4 + 0.5·0.6 = 0.5.
        ([(0, 4, "c")], [(0, 3, "c")], 10, 0.8),
        # Co-occurrence: frame labels are sets. i: {c} 0–4, {c,d} 3–4 ⇒ labels ∅/{c}/{c,d};
        # j drops d: frames 3–4 disagree ({c,d} vs {c}).
        ([(0, 4, "c"), (3, 4, "d")], [(0, 4, "c")], 10, 2 / 3),
        # Same labeling expressed as two back-to-back segments: frame labels are identical.
        ([(0, 9, "c")], [(0, 4, "c"), (5, 9, "c")], 12, 1.0),
        ([], [], 10, None),  # one label everywhere on both sides: κ = 0/0
        ([(0, 9, "c")], [(0, 9, "c")], 10, None),
        ([], [], 0, None),
    ],
)
def test_frame_kappa_table(seg_i, seg_j, frames, expected):
    kappa = frame_kappa(segs("a", *seg_i), segs("b", *seg_j), frames)
    if expected is None:
        assert kappa is None
    else:
        assert kappa == pytest.approx(expected)


def test_frame_kappa_refuses_segments_past_the_end():
    with pytest.raises(ValueError, match="past"):
        frame_kappa(segs("a", (5, 10, "c")), [], 10)


def test_pooled_frame_kappa_concatenates_frames():
    one = (segs("a", (0, 4, "c")), segs("b", (0, 3, "c")), 10)
    two = (segs("a", (2, 3, "d")), segs("b", (2, 3, "d")), 5)
    # 15 frames, only frame 4 of the first video differs ({c} vs ∅): po = 14/15.
    n, po = 15, 14 / 15
    p_i = {"0": 8 / n, "c": 5 / n, "d": 2 / n}
    p_j = {"0": 9 / n, "c": 4 / n, "d": 2 / n}
    pe = sum(p_i[k] * p_j[k] for k in p_i)
    assert pooled_frame_kappa([one, two]) == pytest.approx((po - pe) / (1 - pe))


# --- properties ------------------------------------------------------------------------------

segment_rows = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 15), st.sampled_from("abc")), max_size=7
)


def build(prefix: str, rows) -> list[Segment]:
    return [Segment(f"{prefix}{n}", s, s + length, c) for n, (s, length, c) in enumerate(rows)]


thetas = st.sampled_from(THETA_GRID + (1.0,))
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(segment_rows, segment_rows, thetas)
def test_bounds_symmetry_and_accounting(rows_i, rows_j, theta):
    a, b = build("a", rows_i), build("b", rows_j)
    ij, ji = compare_video(a, b, theta), compare_video(b, a, theta)
    assert ij.m == ji.m and ij.r == ji.r
    assert ij.m <= min(len(a), len(b))
    if ij.r is not None:
        assert 0 <= ij.r <= 1
    # Every segment ends up in exactly one match or disagreement.
    used_a = [m.a.id for m in ij.matches] + [d.a.id for d in ij.disagreements if d.a]
    used_b = [m.b.id for m in ij.matches] + [d.b.id for d in ij.disagreements if d.b]
    assert sorted(used_a) == sorted(s.id for s in a)
    assert sorted(used_b) == sorted(s.id for s in b)
    for m in ij.matches:
        assert m.a.category == m.b.category and m.tiou >= theta
    for d in ij.disagreements:
        if d.kind is K.LABEL_CONFLICT:
            assert d.a.category != d.b.category and d.tiou >= theta
        elif d.kind is K.LOW_OVERLAP:
            assert d.a.category == d.b.category and 0 < d.tiou < theta


@FAST
@given(segment_rows, segment_rows, thetas, st.randoms(use_true_random=False))
def test_invariant_to_segment_order(rows_i, rows_j, theta, rnd):
    a, b = build("a", rows_i), build("b", rows_j)
    a2, b2 = a[:], b[:]
    rnd.shuffle(a2)
    rnd.shuffle(b2)
    assert compare_video(a, b, theta) == compare_video(a2, b2, theta)


@FAST
@given(segment_rows.filter(bool), thetas)
def test_identical_inputs_agree_fully(rows, theta):
    result = compare_video(build("a", rows), build("b", rows), theta)
    assert result.r == 1.0 and result.disagreements == ()


@FAST
@given(segment_rows, segment_rows)
def test_r_of_theta_is_non_increasing(rows_i, rows_j):
    ms = [p.m for p in r_curve([(build("a", rows_i), build("b", rows_j))])]
    assert ms == sorted(ms, reverse=True)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10), st.sampled_from("ab")), max_size=4),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10), st.sampled_from("ab")), max_size=4),
    thetas,
)
def test_matching_is_lexicographically_optimal(rows_i, rows_j, theta):
    """Brute force over every one-to-one matching: (count, total tIoU) is the maximum."""
    a, b = build("a", rows_i), build("b", rows_j)
    best = (0, 0.0)
    for size in range(min(len(a), len(b)) + 1):
        for chosen_a in itertools.combinations(range(len(a)), size):
            for chosen_b in itertools.permutations(range(len(b)), size):
                pairs = [(a[k], b[ll]) for k, ll in zip(chosen_a, chosen_b, strict=True)]
                if all(x.category == y.category and tiou(x, y) >= theta for x, y in pairs):
                    best = max(best, (size, sum(tiou(x, y) for x, y in pairs)))
    result = compare_video(a, b, theta)
    assert result.m == best[0]
    assert sum(m.tiou for m in result.matches) == pytest.approx(best[1])


@FAST
@given(segment_rows.filter(bool))
def test_kappa_is_one_for_identical_labelings(rows):
    a = build("a", rows)
    # 100 frames exceed every segment's end (≤ 75), so at least one frame is unlabelled and the
    # frame labels take two values: κ is defined.
    assert frame_kappa(a, build("b", rows), 100) == pytest.approx(1.0)


def test_module_imports_no_django():
    code = (
        "import annotator.agreement, sys; "
        "assert not any(m.startswith('django') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('django'))"
    )
    root = REPO
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
