"""Agreement on real data: iMiGUE's 18,498 labels (359 videos) against perturbed copies.

Labeler i is the real label table; labeler j a copy made by `annotator.agreement.perturb` with a
fixed seed. Each kind of perturbation must move R, and only the disagreement kind it causes, the
way docs/design.md §6 predicts. Exact where the rule makes the outcome exact (identical, drop-only
and add-only copies); with a stated tolerance where chance can add or remove a match.

The table is read from ../shared (never copied into the repository). Every comparison runs on
all 359 videos; each costs ~0.4 s of CPU, and results are cached per parameter set, so the file
runs in well under a minute.
"""

from __future__ import annotations

from functools import cache

import pytest

from annotator.agreement import DisagreementKind, ProjectAgreement, compare_project
from annotator.agreement.perturb import (
    IMIGUE_CODES,
    load_imigue_labels,
    perturb,
    perturb_project,
    video_frames,
)
from tests.support.paths import IMIGUE_REFERENCE

LABELS = IMIGUE_REFERENCE / "labels_20200831.csv"
SEED = 20200831

LC = DisagreementKind.LABEL_CONFLICT
LO = DisagreementKind.LOW_OVERLAP
ONLY_I = DisagreementKind.ONLY_I
ONLY_J = DisagreementKind.ONLY_J


@cache
def labels() -> dict:
    if not LABELS.exists():
        pytest.skip(f"the iMiGUE label table is not at {LABELS} (../shared/reference/imigue/)")
    return load_imigue_labels(LABELS)


@cache
def frames() -> dict:
    """Each video's frame count: its last labelled frame + 1 s, so jitter and added segments
    have room past the last label but stay inside the video (as in the database)."""
    return {v: video_frames(segs) + 25 for v, segs in labels().items()}


@cache
def copy_j(jitter: int = 0, swap: float = 0.0, drop: float = 0.0, add: float = 0.0) -> dict:
    return perturb_project(
        labels(),
        seed=SEED,
        num_frames=frames(),
        categories=IMIGUE_CODES,
        jitter=jitter,
        swap=swap,
        drop=drop,
        add=add,
    )


@cache
def agreement(**perturbation) -> ProjectAgreement:
    """Labeler "i" (the real labels) against "j" (the perturbed copy) on all 359 videos."""
    j = copy_j(**perturbation)
    return compare_project({v: {"i": segs, "j": j[v]} for v, segs in labels().items()})


def totals(result: ProjectAgreement) -> tuple[int, int, int]:
    [pair] = result.pairs
    return pair.m, pair.n_i, pair.n_j


def test_the_table_loads_whole():
    data = labels()
    assert len(data) == 359
    assert sum(len(segs) for segs in data.values()) == 18_498
    assert {s.category for segs in data.values() for s in segs} == set(IMIGUE_CODES)
    first = data["371"][0]  # the table's first row: 371,1,6.8553,171,9.8553,246,20,...
    assert (first.id, first.start, first.end, first.category) == (1, 171, 246, 20)


def test_perturb_is_deterministic_and_keeps_segments_valid():
    segs = labels()["371"]
    kwargs = {"jitter": 30, "swap": 0.3, "drop": 0.2, "add": 0.3, "num_frames": 7700}
    a = perturb(segs, seed=7, categories=IMIGUE_CODES, **kwargs)
    assert a == perturb(segs, seed=7, categories=IMIGUE_CODES, **kwargs)
    assert a != perturb(segs, seed=8, categories=IMIGUE_CODES, **kwargs)
    assert all(0 <= s.start <= s.end < 7700 for s in a)
    assert len({s.id for s in a}) == len(a)
    assert perturb(segs, seed=7) == list(segs), "no perturbation asked: an identical copy"
    with pytest.raises(ValueError, match="past num_frames"):
        perturb(segs, num_frames=100)


def test_identical_copy_agrees_perfectly():
    result = agreement()
    assert result.r_avg == 1.0
    assert totals(result) == (18_498, 18_498, 18_498)
    assert sum(result.disagreement_counts().values()) == 0
    assert all(v.result.r == 1.0 for v in result.videos)


def test_small_jitter_keeps_r_high_without_label_conflicts():
    # ±2 frames on a median 40-frame MG keeps tIoU ≥ 0.5 (only the shortest, 6-frame MGs can
    # drop below it), so nearly every copy still matches its original; categories are untouched.
    result = agreement(jitter=2)
    counts = result.disagreement_counts()
    assert result.r_avg > 0.9
    assert counts[LC] == 0
    assert counts[ONLY_I] == counts[ONLY_J], "jitter keeps the number of segments"
    _, n_i, n_j = totals(result)
    assert n_i == n_j == 18_498


def test_large_jitter_lowers_r_through_low_overlaps():
    # ±20 frames moves a median-length MG's tIoU below 0.5 often: the copy stays the same
    # category but overlaps too little, which is exactly a low overlap.
    small, large = agreement(jitter=2), agreement(jitter=20)
    counts = large.disagreement_counts()
    assert large.r_avg < 0.8 < small.r_avg
    assert counts[LO] > 1000
    assert counts[LO] > counts[LC] + counts[ONLY_I], "low overlap is the dominant kind"


def swapped_count(perturbation: dict) -> int:
    j = copy_j(**perturbation)
    original = {(v, s.id): s.category for v, segs in labels().items() for s in segs}
    return sum(original[v, s.id] != s.category for v, segs in j.items() for s in segs)


def test_swapping_categories_lowers_r_by_the_swapped_share():
    # A swapped copy overlaps its original fully (tIoU 1) with another category: a label
    # conflict, and one match fewer. R = 1 − swapped/N up to chance matches of a swapped copy
    # with a co-occurring MG of its new category (rare), hence the small tolerances.
    result = agreement(swap=0.2)
    swapped = swapped_count({"swap": 0.2})
    assert swapped / 18_498 == pytest.approx(0.2, abs=0.01)
    assert result.r_avg == pytest.approx(1 - swapped / 18_498, abs=0.005)
    counts = result.disagreement_counts()
    assert counts[LC] == pytest.approx(swapped, rel=0.02)
    assert counts[LO] + counts[ONLY_I] + counts[ONLY_J] <= 0.02 * swapped


def test_dropping_labels_gives_the_exact_r():
    # Exact: the kept copies are identical to their originals, so M = N − D (no matching can
    # do better: n_j = N − D) and every leftover is one of i's dropped segments.
    result = agreement(drop=0.1)
    m, n_i, n_j = totals(result)
    dropped = n_i - n_j
    assert n_i == 18_498
    assert dropped / n_i == pytest.approx(0.1, abs=0.01)  # rounded at random per video
    assert m == n_j
    assert result.r_avg == 2 * (n_i - dropped) / (2 * n_i - dropped)
    assert result.r_avg == pytest.approx(2 * (1 - 0.1) / (2 - 0.1), abs=0.005)
    assert result.disagreement_counts() == {LC: 0, LO: 0, ONLY_I: dropped, ONLY_J: 0}


def test_adding_labels_gives_the_exact_r():
    # Exact: all N originals are still there and match (M = N = n_i, the most possible), so
    # every added segment is left over and only in j, whatever it happens to overlap.
    result = agreement(add=0.1)
    m, n_i, n_j = totals(result)
    added = n_j - n_i
    assert added / n_i == pytest.approx(0.1, abs=0.01)
    assert m == n_i == 18_498
    assert result.r_avg == 2 * n_i / (2 * n_i + added)
    assert result.disagreement_counts() == {LC: 0, LO: 0, ONLY_I: 0, ONLY_J: added}


@pytest.mark.parametrize(
    ("kind", "amounts"),
    [
        ("drop", (0.0, 0.1, 0.3, 0.5)),
        ("add", (0.0, 0.1, 0.3, 0.5)),
        ("swap", (0.0, 0.1, 0.2, 0.4)),
        ("jitter", (0, 5, 10, 20, 40)),
    ],
)
def test_r_falls_as_each_perturbation_grows(kind, amounts):
    r = [agreement(**{kind: amount}).r_avg for amount in amounts]
    assert r[0] == 1.0
    assert all(a > b for a, b in zip(r, r[1:], strict=False)), r


@pytest.mark.django_db
def test_record_run_on_real_videos_matches_the_pure_module():
    """20 real videos, two labelers, rows in the database: the service's run must report what
    the pure module computes on the same segments, and store one row per disagreement."""
    from annotator.models import Assignment, Disagreement
    from annotator.models import Segment as SegmentRow
    from annotator.services.agreement import record_run
    from tests.support.factories import LabelerFactory, ProjectFactory, VideoFactory

    data = labels()
    chosen = sorted(data, key=int)[::18][:20]
    mixed = {"jitter": 3, "swap": 0.1, "drop": 0.05, "add": 0.05}
    j = copy_j(**mixed)
    project = ProjectFactory()
    category = dict(project.categories.values_list("code", "pk"))
    labelers = {}
    for code in ("i", "j"):
        labelers[code] = LabelerFactory(code=f"real-{code}", user__username=f"real-{code}")
        project.labelers.add(labelers[code])
    rows = []
    for position, video_id in enumerate(chosen, start=1):
        video = VideoFactory(project=project, external_id=video_id, num_frames=frames()[video_id])
        for code, segs in (("i", data[video_id]), ("j", j[video_id])):
            assignment = Assignment.objects.create(
                video=video,
                labeler=labelers[code],
                position=position,
                state=Assignment.State.SUBMITTED,
            )
            rows += [
                SegmentRow(
                    assignment=assignment,
                    start_frame=s.start,
                    end_frame=s.end,
                    category_id=category[s.category],
                )
                for s in segs
            ]
    SegmentRow.objects.bulk_create(rows, batch_size=2000)

    run = record_run(project)

    pure = compare_project({v: {"real-i": data[v], "real-j": j[v]} for v in chosen}, run.theta)
    assert 0.5 < pure.r_avg < 1
    assert run.r_avg == round(pure.r_avg, 4)
    stored = {
        kind: Disagreement.objects.filter(run=run, kind=kind).count() for kind in DisagreementKind
    }
    assert stored == pure.disagreement_counts()
    assert run.summary["disagreements"] == {str(k): n for k, n in stored.items()}
    assert sum(stored.values()) > 0
    assert {row["video"] for row in run.per_video} == set(chosen)
