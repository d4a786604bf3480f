"""Face tracks (pipeline.face_tracks) and the feathered, padded blur (pipeline.face_blur).

Pure geometry on boxes and synthetic arrays: the real detectors run in test_faces.py and
test_face_small.py. Each test is named after the rule it checks.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.face_blur import BlurSettings, blur_boxes, detail_kept
from pipeline.face_motion import CameraMotion
from pipeline.face_tracks import link_tracks, track_boxes
from pipeline.faces import Box
from tests.support.face_scenes import texture


def _moving(frame: int, score: float = 0.9, speed: float = 5.0) -> Box:
    """A 40 px face moving right at ``speed`` px per frame."""
    x = 100 + speed * frame
    return Box(x, 200, x + 40, 250, score)


def _key(frames: range, **kw) -> list[tuple[int, list[Box]]]:
    return [(f, [_moving(f, **kw)]) for f in frames]


def test_boxes_between_detections_follow_the_motion():
    keys = _key(range(0, 30, 6))  # detected every 6th frame only
    tracks = link_tracks(keys, threshold=0.5)
    assert len(tracks) == 1 and len(tracks[0].hits) == 5
    per_frame = track_boxes(tracks, 25, extend=0, width=640, height=480)
    for f in range(25):
        ((_, box),) = per_frame[f]
        want = _moving(f)
        assert abs(box.x0 - want.x0) < 1e-6 and abs(box.x1 - want.x1) < 1e-6, f"frame {f}"


def test_first_and_last_frames_are_covered_by_carrying_the_track_on():
    # Detected on frames 4..20 of a 26-frame clip: frames 0-3 and 21-25 get the box moved on.
    tracks = link_tracks(_key(range(4, 21, 2)), threshold=0.5)
    per_frame = track_boxes(tracks, 26, extend=5, width=640, height=480)
    assert all(len(boxes) == 1 for boxes in per_frame)
    assert per_frame[0][0][1].x0 == pytest.approx(_moving(0).x0)
    assert per_frame[25][0][1].x0 == pytest.approx(_moving(25).x0)


def test_a_face_leaving_the_frame_keeps_its_box_until_it_is_gone():
    # 40 px face at 30 px/frame leaves a 400 px frame around frame 10; detected till frame 8.
    keys = [(f, [_moving(f, speed=30)]) for f in range(0, 9, 2)]
    per_frame = track_boxes(link_tracks(keys, threshold=0.5), 14, extend=6, width=400, height=480)
    assert [len(b) for b in per_frame] == [1] * 10 + [0] * 4  # x0 = 400 at frame 10
    assert per_frame[9][0][1].x1 > 400  # not clipped: the whole ellipse, drawn clipped


def test_weak_detections_extend_a_confirmed_track_but_start_none():
    strong = [(f, [_moving(f, score=0.9 if f == 10 else 0.12)]) for f in range(0, 21, 2)]
    hand = [(f, [Box(500, 300, 540, 340, 0.12)]) for f in range(0, 21, 2)]  # weak all along
    keys = [(f, a + b) for (f, a), (_, b) in zip(strong, hand, strict=True)]
    tracks = link_tracks(keys, threshold=0.2, low_threshold=0.1)
    assert len(tracks) == 1 and len(tracks[0].hits) == 11  # the face, from frame 0 to 20
    only_strong = link_tracks(keys, threshold=0.2)  # no low threshold: weak boxes ignored
    assert len(only_strong) == 1 and len(only_strong[0].hits) == 1


def test_thirty_neighbouring_faces_keep_one_track_each():
    faces = [(60 + 200 * (k % 6), 60 + 130 * (k // 6)) for k in range(30)]
    keys = [
        (f, [Box(x + 4 * f, y, x + 4 * f + 24, y + 24, 0.8) for x, y in faces])
        for f in range(0, 40, 3)
    ]
    tracks = link_tracks(keys, threshold=0.5)
    assert len(tracks) == 30 and all(len(t.hits) == len(keys) for t in tracks)


def test_two_detections_near_one_track_the_nearer_joins_it_and_the_other_starts_its_own():
    keys = [
        (0, [Box(100, 100, 140, 150, 0.9)]),
        # Both lie within reach of the track; the one 6 px off is nearer than the one 14 px off.
        (2, [Box(114, 100, 154, 150, 0.95), Box(106, 100, 146, 150, 0.6)]),
    ]
    tracks = link_tracks(keys, threshold=0.5)
    assert len(tracks) == 2
    joined = next(t for t in tracks if len(t.hits) == 2)
    assert joined.hits[1][1].x0 == 106  # nearest first, not strongest first
    assert [len(t.hits) for t in tracks] == [2, 1]


def test_a_single_detection_is_linked_across_a_pan_of_a_third_of_a_face_per_frame():
    # No velocity yet after one detection: the reach grows with the frames since.
    keys = [(f, [Box(100 + 7 * f, 50, 120 + 7 * f, 70, 0.9)]) for f in (0, 3, 6)]
    assert len(link_tracks(keys, threshold=0.5)) == 1


def _pan_of_close_faces(step: int, every: int) -> list[tuple[int, list[Box]]]:
    """A row of 24 px faces 30 px apart, panning left ``step`` px per frame, seen every
    ``every``-th frame: from one key frame to the next a face moves further than the gap to
    its right-hand neighbour's old place."""
    return [
        (f, [Box(x - step * f, 300, x - step * f + 24, 324, 0.9) for x in range(300, 900, 30)])
        for f in range(0, 24, every)
    ]


def test_a_pan_links_each_face_to_itself_with_the_camera_motion():
    keys = _pan_of_close_faces(step=6, every=4)
    blind = link_tracks(keys, threshold=0.5)
    assert len(blind) > 20  # without the camera's motion neighbours swap or tracks break
    motion = [(-6.0, 0.0)] * len(keys)
    tracks = link_tracks(keys, threshold=0.5, motion=motion)
    assert len(tracks) == 20 and all(len(t.hits) == len(keys) for t in tracks)
    # Each track keeps one face: its boxes move by the pan, never by a neighbour's gap.
    for track in tracks:
        xs = [box.x0 + 6 * f for f, box in track.hits]
        assert max(xs) - min(xs) < 1e-6


def test_a_face_seen_once_is_carried_with_the_camera_before_and_after():
    keys = [(8, [Box(400, 100, 424, 124, 0.9)])]
    tracks = link_tracks(keys, threshold=0.5, motion=[(-5.0, 0.0)])
    per_frame = track_boxes(tracks, 17, extend=8, width=640, height=480)
    assert per_frame[0][0][1].x0 == pytest.approx(440) and per_frame[16][0][1].x0 == 360


def test_the_camera_motion_is_measured_from_two_frames():
    frame = texture(3, 1480, 720)
    camera = CameraMotion()
    assert camera.add(0, np.ascontiguousarray(frame[:, 100:1380])) == (0.0, 0.0)
    dx, dy = camera.add(4, np.ascontiguousarray(frame[:, 76:1356]))  # content moved 24 px right
    assert dx == pytest.approx(6.0, abs=0.3) and dy == pytest.approx(0.0, abs=0.3)


def test_a_periodic_scene_gives_the_small_shift_not_a_period_away():
    tile = texture(4, 300, 720)  # repeats every 300 px, as the tiled group photograph does
    frame = np.tile(tile, (1, 6, 1))
    camera = CameraMotion()
    camera.add(0, np.ascontiguousarray(frame[:, 300:1580]))
    dx, _ = camera.add(5, np.ascontiguousarray(frame[:, 330:1610]))  # 30 px left in 5 frames
    assert dx == pytest.approx(-6.0, abs=0.3)


def test_the_face_box_is_fully_hidden_and_the_edge_fades():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    box = Box(130, 90, 170, 140, 1)
    settings = BlurSettings(pad_scale=1.5, hair_raise=0.1, feather=0.25)
    out = blur_boxes(frame, [box], settings)
    ratio = detail_kept(frame, out, box)
    assert ratio is not None and ratio < 0.05  # noise inside the face: gone
    diff = np.abs(out.astype(int) - frame).sum(axis=2)
    assert diff[:40].sum() == 0 and diff[200:].sum() == 0  # far outside: untouched
    # The ellipse reaches above the box (hair) more than below it (chin).
    column = diff[:, 150] > 0
    top, bottom = np.argmax(column), len(column) - np.argmax(column[::-1])
    assert 90 - top > bottom - 140


def test_a_face_half_out_of_the_frame_is_still_hidden():
    frame = np.random.default_rng(1).integers(0, 256, (120, 200, 3), dtype=np.uint8)
    box = Box(180, 40, 220, 90, 1)  # half of it past the right edge
    out = blur_boxes(frame, [box], BlurSettings())
    ratio = detail_kept(frame, out, Box(180, 40, 200, 90, 1))
    assert ratio is not None and ratio < 0.1
