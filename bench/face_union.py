"""Which faces no detector ever finds: the blur's detectors and the verifier, face by face.

A face that the blurring detector never scores in any frame cannot be hidden by tracks, and if
the verifier never finds it either, its clip passes with that face visible. On the 30-face LFW
scene one such face is 1/30 of the measure, so this bench uses all 100 LFW crops at each of the
four sizes (``lfw_all_scene``: 400 faces, 30 to a frame, each group panning a few frames), runs
each detector on every ``--every``-th frame of the *unblurred* video, and prints per detector:
face-frames found (the face's centre in the central 75 % of a box), by size; the faces never
found; then, for each blur detector and verifier, the faces neither ever finds (the leaks).
``fp`` counts the cascade's and the union's boxes on hands and non-face textures. ``unseen``
runs the privacy stage's first pass at the defaults and takes the faces it left visible one by
one: those the verifier does not see in its output would pass in a clip of their own (the
second pass runs only when the verifier sees a face); then the whole stage (``protect_clip``)
with the face-frames it hid.

    .venv/bin/python bench/face_union.py faces --every 2
    .venv/bin/python bench/face_union.py fp
    .venv/bin/python bench/face_union.py unseen --frames-per-group 4 [--detect-every 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.face_fp_media import fp_frames  # noqa: E402
from bench.face_small import covered, first_pass  # noqa: E402
from bench.machine import machine_line  # noqa: E402
from pipeline.face_blur import detail_kept  # noqa: E402
from pipeline.face_config import PrivacyConfig  # noqa: E402
from pipeline.face_mtcnn import MTCNNDetector  # noqa: E402
from pipeline.face_union import SmallFaceHaar, UnionDetector  # noqa: E402
from pipeline.faces import Box, CenterFaceDetector  # noqa: E402
from pipeline.frames import iter_frames  # noqa: E402
from pipeline.privacy import HIDDEN_DETAIL, protect_clip  # noqa: E402
from tests.support.face_scenes import Scene, lfw_all_scene  # noqa: E402

Detect = Callable[[np.ndarray], list[Box]]


def centerface(upscale: float, threshold: float) -> CenterFaceDetector:
    return CenterFaceDetector(
        threshold=threshold,
        low_threshold=threshold,
        long_edge=round(1280 * upscale),
        max_upscale=upscale,
    )


def detectors() -> dict[str, tuple[str, Detect, float]]:
    """name -> (role, detect, score cut-off applied to its boxes)."""
    haar = SmallFaceHaar(threshold=2)
    return {
        "centerface 1280, >= 0.1 (first pass, low)": ("blur", centerface(1, 0.1).detect, 0.1),
        "centerface 2x, >= 0.05 (second pass)": ("blur", centerface(2, 0.05).detect, 0.05),
        "haar alt2 x2, 16-64 px, >= 2 neighbours": ("blur", haar.detect, 2),
        "centerface 1280 0.1 + haar": (
            "blur",
            UnionDetector(centerface(1, 0.1), haar).detect,
            0.1,
        ),
        "centerface 2x 0.05 + haar": (
            "blur",
            UnionDetector(centerface(2, 0.05), haar).detect,
            0.05,
        ),
        "mtcnn 0.7, pyramid from 20 px": ("verify", MTCNNDetector(0.7, 20).detect, 0.7),
        "mtcnn 0.7, pyramid from 16 px": ("verify", MTCNNDetector(0.7, 20, 16).detect, 0.7),
        "mtcnn 0.7, pyramid from 12 px": ("verify", MTCNNDetector(0.7, 20, 12).detect, 0.7),
    }


def per_face(scene: Scene, frames: list[int], boxes: list[list[Box]]) -> dict[int, list[int]]:
    """face ident -> [frames found, frames inside]."""
    width, height = scene.size
    out: dict[int, list[int]] = {}
    for i, found in zip(frames, boxes, strict=True):
        for face in scene.faces[i]:
            if face.inside(width, height):
                row = out.setdefault(face.ident, [0, 0])
                row[0] += covered(face, found)
                row[1] += 1
    return out


def run_faces(args: argparse.Namespace) -> list[dict[str, Any]]:
    scene = lfw_all_scene(args.frames_per_group)
    frames = list(range(0, len(scene.frames), args.every))
    rows, never = [], {}
    for name, (role, detect, cutoff) in detectors().items():
        detect(scene.frames[0])  # loads the model
        started, found = time.perf_counter(), []
        for i in frames:
            found.append([b for b in detect(scene.frames[i]) if b.score >= cutoff])
        ms = 1000 * (time.perf_counter() - started) / len(frames)
        faces = per_face(scene, frames, found)
        by_size: dict[int, list[int]] = {}
        for ident, (hit, n) in faces.items():
            row = by_size.setdefault(scene.sizes[ident], [0, 0])
            row[0] += hit
            row[1] += n
        never[name] = (role, {i for i, (hit, _) in faces.items() if hit == 0})
        rows.append(
            {
                "detector": name,
                "role": role,
                "faces": len(faces),
                "face_frames": sum(n for _, n in faces.values()),
                "found": round(
                    sum(h for h, _ in faces.values()) / sum(n for _, n in faces.values()), 4
                ),
                "by_size": {str(k): round(h / n, 3) for k, (h, n) in sorted(by_size.items())},
                "never_found": sorted(never[name][1]),
                "ms_per_frame": round(ms),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    for blur, (role, missed) in never.items():
        if role != "blur":
            continue
        for verifier, (vrole, unseen) in never.items():
            if vrole == "verify":
                rows.append({"blur": blur, "verifier": verifier, "leaks": sorted(missed & unseen)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def run_fp(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    haar = SmallFaceHaar(threshold=1)
    union = UnionDetector(centerface(2, 0.05), SmallFaceHaar(threshold=2))
    for name, frames in fp_frames().items():
        raw = [haar.detect(f) for f in frames]
        for neighbours in (2, 3, 5):
            boxes = [[b for b in r if b.score >= neighbours] for r in raw]
            rows.append(
                {
                    "set": name,
                    "detector": f"haar alt2 x2, >= {neighbours} neighbours",
                    "frames": len(frames),
                    "boxes": sum(map(len, boxes)),
                    "frames_with_boxes": sum(bool(b) for b in boxes),
                }
            )
        boxes = [union.detect(f) for f in frames]
        rows.append(
            {
                "set": name,
                "detector": "second pass: centerface 2x 0.05 + haar >= 2",
                "frames": len(frames),
                "boxes": sum(map(len, boxes)),
                "frames_with_boxes": sum(bool(b) for b in boxes),
            }
        )
        for row in rows[-4:]:
            print(json.dumps(row), flush=True)
    return rows


def _visible(scene: Scene, blurred: list[np.ndarray]) -> dict[int, list[int]]:
    """face ident -> frames where it is whole in the frame and kept >= 35 % of its detail."""
    width, height = scene.size
    out: dict[int, list[int]] = {}
    for i, faces in enumerate(scene.faces):
        for face in faces:
            if not face.inside(width, height):
                continue
            ratio = detail_kept(
                scene.frames[i], blurred[i], Box(face.x0, face.y0, face.x1, face.y1, 1.0)
            )
            if ratio is not None and ratio >= HIDDEN_DETAIL:
                out.setdefault(face.ident, []).append(i)
    return out


def _cascade_sees(
    scene: Scene,
    first: list[np.ndarray],
    visible: dict[int, list[int]],
    unseen: list[int],
    neighbours: int,
) -> list[int]:
    """The unseen faces the small-face cascade finds in a frame where the first pass left them
    visible: what a cascade-triggered second pass would add (it also fires on hands)."""
    haar = SmallFaceHaar(threshold=neighbours)
    boxes: dict[int, list[Box]] = {}
    out = []
    for ident in unseen:
        for i in visible[ident]:
            if i not in boxes:
                boxes[i] = [b for b in haar.detect(first[i]) if b.score >= neighbours]
            face = next(f for f in scene.faces[i] if f.ident == ident)
            cx, cy = (face.x0 + face.x1) / 2, (face.y0 + face.y1) / 2
            if any(b.x0 <= cx <= b.x1 and b.y0 <= cy <= b.y1 for b in boxes[i]):
                out.append(ident)
                break
    return out


def run_unseen(args: argparse.Namespace) -> list[dict[str, Any]]:
    scene = lfw_all_scene(args.frames_per_group)
    config = PrivacyConfig(
        detect_every=args.detect_every, key_frames_at_cuts=not args.no_key_frames_at_cuts
    )
    verifier = config.verifier_instance()
    smallest = 0.8 * config.verify_min_face
    with tempfile.TemporaryDirectory() as tmp:
        src = scene.write(Path(tmp) / "src.mp4")
        first = first_pass(src, Path(tmp) / "first.mp4", config)
        started = time.perf_counter()
        report = protect_clip(src, Path(tmp) / "stage.mp4", config)
        stage_s = time.perf_counter() - started
        stage = list(iter_frames(Path(tmp) / "stage.mp4"))
    visible = _visible(scene, first)
    seen = set()
    for ident, frames in visible.items():
        for i in frames:
            boxes = [
                b
                for b in verifier.detect(first[i])
                if b.score >= config.verify_cutoff and b.y1 - b.y0 >= smallest
            ]
            face = next(f for f in scene.faces[i] if f.ident == ident)
            cx, cy = (face.x0 + face.x1) / 2, (face.y0 + face.y1) / 2
            if any(b.x0 <= cx <= b.x1 and b.y0 <= cy <= b.y1 for b in boxes):
                seen.add(ident)
                break
    unseen = sorted(set(visible) - seen)
    cascade_sees = _cascade_sees(scene, first, visible, unseen, config.retry_haar)
    kept = _visible(scene, stage)
    measured = sum(f.inside(*scene.size) for faces in scene.faces for f in faces)
    rows = [
        {
            "faces": len(scene.sizes),
            "visible_after_first_pass": len(visible),
            "seen_by_verifier": len(seen),
            "unseen": unseen,
            "unseen_by_size": {
                str(s): sum(scene.sizes[i] == s for i in unseen)
                for s in sorted(set(scene.sizes.values()))
            },
            "unseen_the_cascade_sees": cascade_sees,
        },
        {
            "stage_passes": len(report.attempts),
            "stage_passed": report.passed,
            "problems": report.problems,
            "face_frames": measured,
            "hidden": round(1 - sum(map(len, kept.values())) / measured, 4),
            "wall_s": round(stage_s, 1),
        },
    ]
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("faces", "fp", "unseen"):
        p = sub.add_parser(mode)
        p.add_argument("--out", type=Path)
        if mode == "faces":
            p.add_argument("--every", type=int, default=2, help="run on every n-th frame")
        if mode in ("faces", "unseen"):
            p.add_argument("--frames-per-group", type=int, default=8)
        if mode == "unseen":
            p.add_argument("--detect-every", type=int, default=PrivacyConfig.detect_every)
            p.add_argument("--no-key-frames-at-cuts", action="store_true")
    args = parser.parse_args()
    print(f"# {machine_line()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    rows = {"faces": run_faces, "fp": run_fp, "unseen": run_unseen}[args.mode](args)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
