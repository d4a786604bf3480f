"""pipeline.media against real files made by real ffmpeg (see tests/media_factory.py)."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import ffmpeg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.hashing import sha256_file
from pipeline.media import (
    Limits,
    MediaError,
    VideoInfo,
    make_proxy,
    probe_video,
    proxy_command,
    read_frame,
)
from tests.support import media_factory as mf

# name -> builder(dir) for every file the tests use; each is built once per module run.
BUILDERS: dict[str, Callable[[Path], Path]] = {
    "plain": lambda d: mf.make_numbered_video(d / "plain.mp4", 50),
    "audio": lambda d: mf.make_numbered_video(d / "audio.mp4", 50, audio=True),
    "ntsc": lambda d: mf.make_numbered_video(d / "ntsc.mp4", 60, fps="30000/1001"),
    "offset_bframes": lambda d: mf.make_numbered_video(d / "offset.mp4", 40, start_time=1.5),
    "offset_mkv": lambda d: mf.make_numbered_video(d / "offset.mkv", 40, start_time=1.5),
    "mpegts": lambda d: mf.make_numbered_video(d / "clip.ts", 40),
    "odd_size": lambda d: mf.make_numbered_video(
        d / "odd.mkv", 20, size=(321, 241), pix_fmt="yuv444p"
    ),
    "vfr": lambda d: mf.make_vfr_video(d / "vfr.mp4"),
    "truncated_moov_at_end": lambda d: mf.make_truncated(
        mf.make_numbered_video(d / "whole.mp4", 50), d / "cut.mp4", 0.5
    ),
    "truncated_faststart": lambda d: mf.make_truncated(
        mf.make_numbered_video(d / "whole-fs.mp4", 50, faststart=True), d / "cut-fs.mp4", 0.5
    ),
    "truncated_mkv": lambda d: mf.make_truncated(
        mf.make_numbered_video(d / "whole.mkv", 50), d / "cut.mkv", 0.5
    ),
    "truncated_ts_bframes": lambda d: mf.make_truncated(
        mf.make_numbered_video(d / "whole.ts", 50), d / "cut.ts", 0.5
    ),
    "text": lambda d: mf.make_not_a_video(d / "notes.txt"),
    "text_renamed_mp4": lambda d: mf.make_not_a_video(d / "notes.mp4"),
    "noise_renamed_mp4": lambda d: _write(d / "noise.mp4", bytes(range(256)) * 64),
    "still_jpeg": lambda d: mf.make_still_image(d / "still.jpg"),
    "still_png": lambda d: mf.make_still_image(d / "still.png"),
    "audio_only": lambda d: mf.make_audio_only(d / "sound.m4a"),
    "zero_frames": lambda d: mf.make_zero_frame_video(d / "empty-track.mp4"),
    "empty_file": lambda d: _write(d / "empty.mp4", b""),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """media(name) -> path of that generated file, built on first use."""
    root = tmp_path_factory.mktemp("media")
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = BUILDERS[name](root)
        return cache[name]

    return get


@pytest.fixture(scope="module")
def proxies(media: Callable[[str], Path]) -> Callable[[str], tuple[VideoInfo, Path, VideoInfo]]:
    """proxies(name) -> (source info, proxy path, proxy info), made once per source."""
    cache: dict[str, tuple[VideoInfo, Path, VideoInfo]] = {}

    def get(name: str) -> tuple[VideoInfo, Path, VideoInfo]:
        if name not in cache:
            src = media(name)
            info = probe_video(src)
            dst = src.with_name(src.name + ".proxy.tmp")  # no .mp4: the caller's temp name
            cache[name] = (info, dst, make_proxy(src, dst, info))
        return cache[name]

    return get


# --- probing good videos: exact values ---------------------------------------------------

GOOD = [
    # name, fps_fraction, num_frames, (width, height), has_audio, start_time
    ("plain", "25/1", 50, (320, 240), False, 0.0),
    ("audio", "25/1", 50, (320, 240), True, 0.0),
    ("ntsc", "30000/1001", 60, (320, 240), False, 0.0),
    ("offset_bframes", "25/1", 40, (320, 240), False, 1.5),
    ("offset_mkv", "25/1", 40, (320, 240), False, 1.5),
    ("mpegts", "25/1", 40, (320, 240), False, None),  # muxer picks the start (~1.4 s)
    ("odd_size", "25/1", 20, (321, 241), False, 0.0),
]


@pytest.mark.parametrize(
    ("name", "fps", "frames", "size", "audio", "start"), GOOD, ids=[g[0] for g in GOOD]
)
def test_probe_reports_exact_stream_values(media, name, fps, frames, size, audio, start):
    info = probe_video(media(name))
    assert info.fps_fraction == fps
    assert info.fps == float(Fraction(fps))
    assert info.num_frames == frames
    assert (info.width, info.height) == size
    assert info.has_audio is audio
    assert info.video_codec == "h264"
    assert info.duration == pytest.approx(frames / Fraction(fps))
    if start is not None:
        assert info.start_time == pytest.approx(start, abs=1e-3)
    else:
        assert info.start_time > 0


def test_probe_gives_ntsc_rate_exactly(media):
    assert probe_video(media("ntsc")).fps == 30000 / 1001  # 29.97002997..., not 29.97


# --- bad input: a clear MediaError with the right code ---------------------------------------

BAD = [
    ("vfr", "variable_frame_rate"),
    ("truncated_moov_at_end", "truncated"),
    ("truncated_faststart", "truncated"),
    ("truncated_mkv", "truncated"),
    ("truncated_ts_bframes", "truncated"),
    ("text", "not_a_video"),
    ("text_renamed_mp4", "not_a_video"),
    ("noise_renamed_mp4", "not_a_video"),
    ("still_jpeg", "not_a_video"),
    ("still_png", "not_a_video"),
    ("audio_only", "no_video_stream"),
    ("zero_frames", "zero_frames"),
    ("empty_file", "not_a_video"),
]


@pytest.mark.parametrize(("name", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_rejected_with_a_clear_error(media, name, code):
    with pytest.raises(MediaError) as excinfo:
        probe_video(media(name))
    error = excinfo.value
    assert error.code == code
    # Human-readable: one short sentence, no ffmpeg dump, no traceback.
    assert str(error) == error.message
    assert 10 < len(error.message) < 200
    assert "\n" not in error.message and "Traceback" not in error.message


def test_missing_file_is_a_media_error(tmp_path):
    with pytest.raises(MediaError) as excinfo:
        probe_video(tmp_path / "nope.mp4")
    assert excinfo.value.code == "not_a_video"


def test_media_error_survives_pickling_for_task_queues():
    error = pickle.loads(pickle.dumps(MediaError("truncated", "The video is incomplete.")))
    assert (error.code, str(error)) == ("truncated", "The video is incomplete.")


# --- the proxy -------------------------------------------------------------------------------

PROXY_SOURCES = ["plain", "audio", "ntsc", "offset_bframes", "offset_mkv", "mpegts"]


@pytest.mark.parametrize("name", PROXY_SOURCES)
def test_proxy_keeps_every_frame_in_order(proxies, name):
    info, proxy, out = proxies(name)
    assert out.num_frames == info.num_frames
    last = info.num_frames - 1
    for index in (0, last // 2, last):  # via the public read_frame
        assert mf.decode_frame_number(read_frame(proxy, index)) == index
    assert mf.decode_all_frame_numbers(proxy, (out.width, out.height)) == list(
        range(info.num_frames)
    )


@pytest.mark.parametrize("name", PROXY_SOURCES)
def test_proxy_is_cfr_from_zero_at_the_source_rate_without_audio(proxies, name):
    info, proxy, out = proxies(name)
    assert out.fps_fraction == info.fps_fraction
    assert out.start_time == 0.0
    assert out.has_audio is False
    streams = ffmpeg.probe(str(proxy))["streams"]
    assert [s["codec_type"] for s in streams] == ["video"]


def test_proxy_is_browser_friendly_h264_with_short_gop(proxies):
    _, proxy, out = proxies("offset_bframes")
    data = ffmpeg.probe(str(proxy), show_entries="packet=pts,dts,flags")
    stream = data["streams"][0]
    assert (stream["codec_name"], stream["pix_fmt"]) == ("h264", "yuv420p")
    assert out.container.startswith("mov,mp4")
    keyframes = [i for i, p in enumerate(data["packets"]) if "K" in p["flags"]]
    assert keyframes == list(range(0, out.num_frames, 12))
    # No B-frames: decode order is presentation order, timestamps are i * (1/fps) from 0.
    ticks = [p["pts"] for p in data["packets"]]
    assert ticks == [p["dts"] for p in data["packets"]]
    assert ticks == [i * ticks[1] for i in range(out.num_frames)]
    # +faststart: the moov box comes before the media data.
    head = proxy.read_bytes()
    assert head.index(b"moov") < head.index(b"mdat")


def test_proxy_pads_odd_sizes_to_even_for_yuv420p(proxies):
    info, proxy, out = proxies("odd_size")
    assert (out.width, out.height) == (322, 242)
    assert mf.decode_all_frame_numbers(proxy, (322, 242)) == list(range(info.num_frames))


def test_progress_callback_increases_and_ends_at_one(media, tmp_path):
    src = media("ntsc")
    values: list[float] = []
    make_proxy(src, tmp_path / "p.tmp", probe_video(src), on_progress=values.append)
    assert values[-1] == 1.0
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    assert values.count(1.0) == 1  # 1.0 only once the proxy is verified


def test_progress_callback_error_stops_the_transcode(media, tmp_path):
    def cancel(_: float) -> None:
        raise KeyboardInterrupt  # e.g. a cancelled job

    src = media("plain")
    with pytest.raises(KeyboardInterrupt):
        make_proxy(src, tmp_path / "p.tmp", probe_video(src), on_progress=cancel)


def test_proxy_reports_decode_errors_as_truncated(media, tmp_path):
    # Bypass the probe (which would already refuse the file) to see ffmpeg's own errors.
    info = probe_video(media("plain"))
    with pytest.raises(MediaError) as excinfo:
        make_proxy(media("truncated_faststart"), tmp_path / "p.tmp", info)
    assert excinfo.value.code == "truncated"


def test_proxy_reports_ffmpeg_failure_as_transcode_failed(media, tmp_path):
    info = probe_video(media("plain"))
    with pytest.raises(MediaError) as excinfo:
        make_proxy(tmp_path / "vanished.mp4", tmp_path / "p.tmp", info)
    assert excinfo.value.code == "transcode_failed"


@pytest.mark.parametrize(
    "output",
    ["/dev/full", "gone/p.mp4"],
    ids=["disk-full", "work-folder-removed"],
)
def test_a_failure_to_write_the_output_is_ours_not_the_inputs(media, tmp_path, output):
    # ENOSPC, or the work folder deleted under ffmpeg: never a reason to blame the video.
    src = media("plain")
    with pytest.raises(MediaError) as excinfo:
        make_proxy(src, output if output.startswith("/") else tmp_path / output, probe_video(src))
    assert excinfo.value.code == "output_failed"
    assert ("No space left" if "full" in output else "No such file") in str(excinfo.value)


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (Limits(max_size=(320, 240), max_seconds=2.0), None),
        (Limits(max_size=(240, 320), max_seconds=2.0), None),  # either orientation
        (Limits(max_size=(319, 240), max_seconds=60.0), "too_large"),
        (Limits(max_size=(320, 239), max_seconds=60.0), "too_large"),
        (Limits(max_size=(4096, 2304), max_seconds=1.9), "too_long"),
    ],
)
def test_probe_refuses_videos_over_the_limits(media, limits, code):
    if code is None:
        assert probe_video(media("plain"), limits).num_frames == 50
        return
    with pytest.raises(MediaError) as excinfo:
        probe_video(media("plain"), limits)
    assert excinfo.value.code == code


def test_proxy_is_verified_against_the_source_frame_count(media, tmp_path):
    real = probe_video(media("plain"))
    wrong = VideoInfo(**{**real.__dict__, "num_frames": real.num_frames - 1})
    with pytest.raises(MediaError) as excinfo:
        make_proxy(media("plain"), tmp_path / "p.tmp", wrong)
    assert excinfo.value.code == "transcode_failed"
    assert "50 frames instead of 49" in str(excinfo.value)


def test_proxy_command_is_the_plain_ffmpeg_argv(media, tmp_path):
    info = probe_video(media("ntsc"))
    argv = proxy_command(
        media("ntsc"), tmp_path / "out.tmp", info, preset="veryfast", crf=23, gop=12
    )
    assert argv[0] == "ffmpeg"
    assert str(tmp_path / "out.tmp") in argv and "-y" in argv  # caller's temp path, overwritten
    joined = " ".join(argv)
    for option in (
        "-fps_mode passthrough",
        "-r 30000/1001",
        "-g 12",
        "-crf 23",
        "-an",
        "-pix_fmt yuv420p",
        "-movflags +faststart",
        "-f mp4",
        "-bf 0",
    ):
        assert option in joined
    assert "-progress" not in argv


# --- helpers ---------------------------------------------------------------------------------


def test_read_frame_returns_rgb_array_of_frame_size(media):
    frame = read_frame(media("plain"), 7)
    assert frame.shape == (240, 320, 3) and frame.dtype.name == "uint8"
    assert mf.decode_frame_number(frame) == 7


def test_read_frame_past_the_end_raises_index_error(media):
    with pytest.raises(IndexError):
        read_frame(media("plain"), 50)


def test_sha256_file_matches_hashlib_across_chunks(media):
    path = media("plain")
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha256_file(path) == expected
    assert sha256_file(path, chunk_size=1000) == expected


@given(st.integers(min_value=0, max_value=2**mf.BITS - 1))
def test_frame_number_encoding_round_trips(index):
    assert mf.decode_frame_number(mf.numbered_frame(index)) == index
