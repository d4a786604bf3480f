"""Small faces, many to a frame, moving: blurred in every frame and seen by the verifier.

Real faces only (tests/support/face_scenes.py): LFW crops of 20, 24, 32 and 40 px, about 30 to a
1280x720 frame on a textured background, panning at 25 fps; and a real group photograph shrunk
so its faces are 26-38 px, panning so that faces enter and leave the frame. The privacy stage
runs as the clip handler runs it (pipeline.privacy.protect_clip with the default settings).

"Hidden" means the face's ellipse kept less than 35 % of its detail (variance of the Laplacian,
blurred over original) in the encoded output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pipeline.face_blur import detail_kept
from pipeline.face_config import PrivacyConfig
from pipeline.face_union import UnionDetector
from pipeline.faces import Box
from pipeline.frames import iter_frames
from pipeline.privacy import PrivacyReport, protect_clip, verify_blurred
from tests.support.face_scenes import Face, Scene, group_scene, lfw_scene

DETAIL_LIMIT = 0.35
CONFIG = PrivacyConfig()  # the defaults, as settings.py gives them


@dataclass
class Protected:
    scene: Scene
    src: Path
    dst: Path
    report: PrivacyReport
    blurred: list[np.ndarray]


def _protect(scene: Scene, folder: Path) -> Protected:
    src = scene.write(folder / "src.mp4")
    dst = folder / "blurred.mp4"
    report = protect_clip(src, dst, CONFIG)
    return Protected(scene, src, dst, report, list(iter_frames(dst)))


@pytest.fixture(scope="module")
def lfw(tmp_path_factory) -> Protected:
    return _protect(lfw_scene(frames=25), tmp_path_factory.mktemp("lfw_small"))


@pytest.fixture(scope="module")
def group(tmp_path_factory) -> Protected:
    return _protect(group_scene(frames=25, face_px=26), tmp_path_factory.mktemp("group_small"))


def _box(face: Face) -> Box:
    return Box(face.x0, face.y0, face.x1, face.y1, 1.0)


def _hidden(video: Protected, *, whole_only: bool) -> tuple[list[tuple[int, Face, float]], int]:
    """Face-frames whose detail is not hidden, and how many face-frames were measured."""
    width, height = video.scene.size
    kept, measured = [], 0
    for i, faces in enumerate(video.scene.faces):
        for face in faces:
            if not (face.inside(width, height) if whole_only else face.visible(width, height)):
                continue
            ratio = detail_kept(video.scene.frames[i], video.blurred[i], _box(face))
            if ratio is None:
                continue
            measured += 1
            if ratio >= DETAIL_LIMIT:
                kept.append((i, face, round(ratio, 2)))
    return kept, measured


def test_the_scene_has_thirty_small_faces_to_a_frame(lfw):
    width, height = lfw.scene.size
    whole = [sum(f.inside(width, height) for f in faces) for faces in lfw.scene.faces]
    assert (width, height) == (1280, 720) and min(whole) >= 28 and max(whole) <= 32
    assert {f.height for faces in lfw.scene.faces for f in faces} == {20, 24, 32, 40}


def test_the_verifier_finds_95_percent_of_small_face_frames_before_blur(lfw):
    verifier = CONFIG.verifier_instance()
    width, height = lfw.scene.size
    found = total = 0
    for frame, faces in zip(lfw.scene.frames, lfw.scene.faces, strict=True):
        boxes = [b for b in verifier.detect(frame) if b.score >= CONFIG.verify_cutoff]
        for face in faces:
            if face.inside(width, height):
                total += 1
                cx, cy = (face.x0 + face.x1) / 2, (face.y0 + face.y1) / 2
                found += any(b.x0 <= cx <= b.x1 and b.y0 <= cy <= b.y1 for b in boxes)
    assert total >= 25 * 28
    assert found / total >= 0.95, f"{found} of {total} face-frames"


def _by_size(video: Protected) -> dict[int, float]:
    kept, _ = _hidden(video, whole_only=True)
    width, height = video.scene.size
    sizes: dict[int, list[int]] = {}
    for i, faces in enumerate(video.scene.faces):
        for face in faces:
            if face.inside(width, height):
                row = sizes.setdefault(face.height, [0, 0])
                row[0] += 1
                row[1] += any(k[0] == i and k[1] == face for k in kept)
    return {size: 1 - bad / n for size, (n, bad) in sorted(sizes.items())}


def test_every_small_face_is_hidden_in_99_percent_of_face_frames(lfw):
    """CenterFace at 720p misses some 20 and 24 px crops; the verifier sees them, so the stage
    blurs again with CenterFace enlarged 2x in union with the small-face cascade, which also
    finds the two crops CenterFace never scores (docs/benchmarks.md, "Small faces")."""
    kept, measured = _hidden(lfw, whole_only=True)
    assert measured >= 25 * 28
    assert 1 - len(kept) / measured >= 0.99, f"{len(kept)} of {measured} kept detail: {kept[:8]}"
    assert min(_by_size(lfw).values()) >= 0.99, _by_size(lfw)
    assert lfw.report.passed, lfw.report.problems
    assert len(lfw.report.attempts) == 2  # the first pass alone did not hide them
    assert lfw.report.tracks_found >= 28


def test_the_cascade_adds_the_faces_centerface_never_scores_and_drops_none(lfw):
    frame = lfw.scene.frames[0]
    width, height = lfw.scene.size
    faces = [f for f in lfw.scene.faces[0] if f.inside(width, height)]
    union = CONFIG.retry_detector_instance()
    assert isinstance(union, UnionDetector)
    alone = union.primary.detect(frame)
    together = union.detect(frame)

    def found(boxes: list[Box]) -> set[int]:
        usable = [b for b in boxes if b.score >= union.threshold]
        return {
            f.ident
            for f in faces
            if any(
                b.x0 <= (f.x0 + f.x1) / 2 <= b.x1 and b.y0 <= (f.y0 + f.y1) / 2 <= b.y1
                for b in usable
            )
        }

    assert found(alone) < found(together) == {f.ident for f in faces}
    # Every CenterFace box is still there (the cascade only adds, or confirms a weak one).
    for box in alone:
        assert any((b.x0, b.y0, b.x1, b.y1) == (box.x0, box.y0, box.x1, box.y1) for b in together)


def test_real_small_faces_pass_verification_with_a_report_per_track(group):
    report = group.report
    assert report.passed, report.problems
    assert report.redetections == 0 and report.verifier.startswith("mtcnn")
    assert len(report.attempts) == 1  # no second pass needed
    assert report.frames_processed == 25
    width, height = group.scene.size
    per_frame = max(sum(f.visible(width, height) for f in faces) for faces in group.scene.faces)
    assert per_frame >= 30
    # One track per face; a face entering mid-clip starts its own.
    faces = {f.ident for faces in group.scene.faces for f in faces if f.visible(width, height)}
    assert len(faces) - 5 <= report.tracks_found <= 1.3 * len(faces)
    assert report.max_detail_kept is not None and report.max_detail_kept < DETAIL_LIMIT
    assert all(t["verifier_hits"] == 0 for t in report.tracks)
    # MTCNN may still read a blurred head as a head (outline, hair, a neck below): that is
    # counted apart, not failed. With sigma 0.15 it did 238 times here; with 0.2, not once.
    assert report.hits_on_hidden_faces <= report.frames_processed


def test_faces_entering_and_leaving_the_frame_are_hidden_from_first_to_last_frame(group):
    kept, measured = _hidden(group, whole_only=False)
    width, height = group.scene.size
    edge = [
        (i, f)
        for i, faces in enumerate(group.scene.faces)
        for f in faces
        if f.visible(width, height) and not f.inside(width, height)
    ]
    assert len(edge) >= 10  # faces cut by the frame's edges are in the measure
    assert kept == [], f"{len(kept)} of {measured} face-frames kept detail: {kept[:8]}"


def test_the_verifier_fails_an_unblurred_clip_of_small_faces(lfw):
    report = verify_blurred(lfw.src, CONFIG.verifier_instance(), CONFIG.verify_cutoff)
    assert not report.passed
    assert report.redetected_frames == list(range(25))
    assert report.redetections >= 25 * 25
    assert any("face(s) found" in p for p in report.problems)
