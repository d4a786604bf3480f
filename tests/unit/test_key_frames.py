"""Key frames at cuts: the cut measure on real and generated media, and the frames chosen."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.frames import iter_frames
from pipeline.key_frames import ALWAYS, MIN_CHANGE, CutDetector, is_cut, key_frame_indices
from tests.support.face_media import CLIPS, carphone_path, clip_path
from tests.support.face_scenes import group_scene, lfw_all_scene


@pytest.mark.parametrize(
    "change, before, expected",
    [
        (ALWAYS, [], True),  # a change this large is a cut with no history
        (MIN_CHANGE + 1, [], False),  # ...a smaller one needs the frames before it
        (MIN_CHANGE - 0.1, [0.1, 0.1, 0.1], False),  # too small, however sudden
        (15.0, [3.8, 3.7, 3.8], True),  # an LFW scene's cut after a slow pan
        (10.1, [9.6, 10.0, 9.9], False),  # the group photograph panning fast: steady change
        (15.0, [40.0, 5.0, 4.0, 3.8], True),  # only the last three count
        (15.0, [3.8, 60.0, 3.8], True),  # the median ignores one earlier cut
    ],
)
def test_is_cut(change, before, expected):
    assert is_cut(change, before) is expected


def cuts_in(frames) -> list[int]:
    detector = CutDetector()
    return [i for i, frame in enumerate(frames) if detector.add(frame)]


def test_the_real_cut_in_a_packaged_clip_is_found_and_nothing_else():
    # face_noface.mov shows a face for 72 frames, then (over one mixed frame) an empty room.
    assert cuts_in(iter_frames(clip_path("face_noface.mov"))) == [72, 73]
    for name in sorted(set(CLIPS) - {"face_noface.mov"}):
        assert cuts_in(iter_frames(clip_path(name))) == [], name
    assert cuts_in(iter_frames(carphone_path())) == []


@pytest.mark.parametrize("frames_per_group", [2, 4])
def test_every_cut_between_the_lfw_groups_is_found(frames_per_group):
    frames = lfw_all_scene(frames_per_group).frames
    assert cuts_in(frames) == list(range(frames_per_group, len(frames), frames_per_group))


def test_a_fast_pan_over_a_detailed_picture_is_not_a_cut():
    assert cuts_in(group_scene(30).frames) == []


def test_each_shot_gets_its_first_and_last_frames_and_the_stride_restarts():
    scene = lfw_all_scene(4)  # 14 shots of 4 frames (56 frames)
    keys = key_frame_indices(scene.frames, every=3)
    shots = [range(start, start + 4) for start in range(0, 56, 4)]
    for shot in shots:
        assert [k for k in keys if k in shot] == [shot[0], shot[3]]
    # Through the cuts, every 3rd frame leaves every other shot one key frame.
    plain = key_frame_indices(scene.frames, every=3, at_cuts=False)
    assert plain == [*range(0, 56, 3), 55]
    assert sorted(len([k for k in plain if k in shot]) for shot in shots)[:7] == [1] * 7


def test_without_cuts_the_stride_and_the_last_frame():
    frames = [np.full((72, 128, 3), 90, np.uint8)] * 10
    assert key_frame_indices(frames, every=3) == [0, 3, 6, 9]
    assert key_frame_indices(frames[:9], every=3) == [0, 3, 6, 8]
    assert key_frame_indices(frames[:1], every=3) == [0]
