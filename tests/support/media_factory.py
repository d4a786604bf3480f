"""Generate small test media with the real ffmpeg (no binary fixtures in the repo).

Every frame of :func:`make_numbered_video` carries its own 0-based index in its pixels, as a row
of 12 big black/white blocks (most significant bit first). The blocks are large and pure black or
white, so the number survives lossy H.264 (and a second encode by the proxy) and
:func:`decode_frame_number` reads it back from any decoded RGB frame.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 12  # frames 0..4095: far more than the 2-second clips the tests use
STRIP_HEIGHT = 32  # pixels; the row of blocks sits at the top of the frame


def _run(argv: list[str], stdin: bytes | None = None) -> None:
    """Run ffmpeg, raising with its stderr so a broken fixture explains itself."""
    proc = subprocess.run(argv, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr.decode(errors='replace')}")


def _background(width: int, height: int) -> np.ndarray:
    """A testsrc-like pattern: colour bars over a vertical luminance ramp."""
    bars = np.array(
        [
            [191, 191, 191],
            [191, 191, 0],
            [0, 191, 191],
            [0, 191, 0],
            [191, 0, 191],
            [191, 0, 0],
            [0, 0, 191],
            [64, 64, 64],
        ],
        dtype=np.float32,
    )
    cols = bars[(np.arange(width) * len(bars)) // width]  # (W, 3)
    ramp = np.linspace(0.4, 1.0, height, dtype=np.float32)[:, None, None]  # (H, 1, 1)
    return (cols[None, :, :] * ramp).astype(np.uint8)


def numbered_frame(index: int, width: int = 320, height: int = 240) -> np.ndarray:
    """The RGB frame number ``index``: a moving background plus the binary block strip."""
    if not 0 <= index < 2**BITS:
        raise ValueError(f"frame index {index} does not fit in {BITS} bits")
    # The background moves so the encoder has real motion to predict (B-frames get used).
    frame = np.roll(_background(width, height), shift=4 * index, axis=1)
    frame[:STRIP_HEIGHT] = 0
    block = width // BITS
    for bit in range(BITS):
        if index >> (BITS - 1 - bit) & 1:
            frame[:STRIP_HEIGHT, bit * block : (bit + 1) * block] = 255
    return frame


def decode_frame_number(rgb: np.ndarray) -> int:
    """Read back the index written by :func:`numbered_frame` from a decoded RGB frame."""
    width = rgb.shape[1]
    block = width // BITS
    value = 0
    for bit in range(BITS):
        # Sample the middle of each block: edges bleed after chroma subsampling and DCT.
        x0, x1 = bit * block + block // 4, (bit + 1) * block - block // 4
        patch = rgb[STRIP_HEIGHT // 4 : 3 * STRIP_HEIGHT // 4, x0:x1]
        value = value << 1 | int(patch.mean() > 127)
    return value


def decode_all_frame_numbers(path: str | Path, size: tuple[int, int]) -> list[int]:
    """Decode every frame of ``path`` (first real video stream) and read each one's number."""
    width, height = size
    proc = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:V:0",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    )
    frames = np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, height, width, 3)
    return [decode_frame_number(frame) for frame in frames]


def _container_args(path: Path, faststart: bool) -> list[str]:
    if path.suffix in {".mp4", ".mov", ".m4v"} and faststart:
        return ["-movflags", "+faststart"]
    return []


def make_numbered_video(
    path: str | Path,
    num_frames: int,
    fps: str = "25",
    size: tuple[int, int] = (320, 240),
    audio: bool = False,
    start_time: float = 0.0,
    bframes: bool = True,
    *,
    faststart: bool = False,
    pix_fmt: str = "yuv420p",
) -> Path:
    """Encode ``num_frames`` numbered frames as H.264 at a constant ``fps`` (e.g. "30000/1001").

    The container follows the extension (.mp4, .mkv, .ts, ...). ``start_time`` shifts every
    timestamp so the first frame is not at 0; ``bframes`` turns on B-frame reordering;
    ``pix_fmt="yuv444p"`` allows odd sizes (yuv420p needs even ones).
    """
    path = Path(path)
    width, height = size
    frames = b"".join(numbered_frame(i, width, height).tobytes() for i in range(num_frames))
    argv = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
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
    ]
    if audio:
        seconds = float(num_frames / Fraction(fps))
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    argv += ["-map", "0:v"] + (["-map", "1:a", "-c:a", "aac"] if audio else [])
    argv += [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-bf",
        "3" if bframes else "0",
        "-pix_fmt",
        pix_fmt,
    ]
    if start_time:
        argv += ["-output_ts_offset", str(start_time)]
    argv += _container_args(path, faststart) + [str(path)]
    _run(argv, stdin=frames)
    return path


def make_vfr_video(path: str | Path, num_frames: int = 40) -> Path:
    """A variable-frame-rate clip: 40 ms between frames, plus a 60 ms gap every 10 frames."""
    path = Path(path)
    frames = b"".join(numbered_frame(i).tobytes() for i in range(num_frames))
    _run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            "320x240",
            "-r",
            "25",
            "-i",
            "pipe:0",
            # A millisecond clock first: in the input's 1/25 s clock a 60 ms gap cannot exist.
            "-vf",
            "settb=1/1000,setpts=(N*0.04+floor(N/10)*0.06)/TB",
            # Keep the irregular timestamps: no frame duplication/dropping.
            "-fps_mode",
            "passthrough",
            "-enc_time_base",
            "1/1000",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        stdin=frames,
    )
    return path


def make_audio_only(path: str | Path, seconds: float = 1.0) -> Path:
    """An AAC audio file with no video stream at all."""
    path = Path(path)
    _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:a",
            "aac",
            str(path),
        ]
    )
    return path


def make_truncated(src: str | Path, dst: str | Path, keep_fraction: float) -> Path:
    """Copy only the first ``keep_fraction`` of ``src``'s bytes, like an interrupted upload."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: int(len(data) * keep_fraction)])
    return dst


def make_not_a_video(path: str | Path) -> Path:
    """A plain text file."""
    path = Path(path)
    path.write_text("This is not a video.\n" * 20)
    return path


def make_still_image(path: str | Path) -> Path:
    """A single JPEG image (one frame: a still, not a video)."""
    path = Path(path)
    _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=1",
            "-frames:v",
            "1",
            str(path),
        ]
    )
    return path


def make_zero_frame_video(path: str | Path) -> Path:
    """A fragmented MP4 whose H.264 track exists (in the up-front moov) but has no frames.

    That is what a live recording that stopped before its first fragment leaves behind. A
    plain MP4 cannot be made this way: ffmpeg's muxer leaves out tracks without samples.
    """
    path = Path(path)
    source = path.with_name(path.stem + "-source.mp4")
    make_numbered_video(source, 5)
    # Stream copy keeps the codec parameters (SPS/PPS) so the empty track is still described.
    _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-c",
            "copy",
            "-frames:v",
            "0",
            "-movflags",
            "+frag_keyframe+empty_moov",
            str(path),
        ]
    )
    source.unlink()
    return path


def make_huge_frame_video(
    path: str | Path, size: int = 16000, num_frames: int = 4, fps: int = 2
) -> Path:
    """A real video of ``num_frames`` grey ``size``×``size`` frames, in about a megabyte.

    Encoding frames this large with libx264 takes minutes and gigabytes, so one PNG frame is
    written directly (each row deflates to almost nothing) and Matroska repeats it by stream
    copy: ffmpeg decodes nothing, yet the file plays and would transcode like any other.
    """
    path = Path(path)
    frame = path.with_suffix(".frame.png")

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    deflate = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * size  # filter byte "none", then mid-grey pixels
    idat = b"".join(deflate.compress(row) for _ in range(size)) + deflate.flush()
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    frame.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-framerate",
            str(fps),
            "-loop",
            "1",
            "-i",
            str(frame),
            "-frames:v",
            str(num_frames),
            "-c",
            "copy",
            str(path),
        ]
    )
    frame.unlink()
    return path


def make_long_clip(path: str | Path, seconds: int = 40, size: str = "1280x720") -> Path:
    """A moving 25 fps clip whose proxy takes several seconds to make on two cores: time enough
    to kill, restart or add a worker in the middle of its ingest."""
    path = Path(path)
    _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=25:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ]
    )
    return path
