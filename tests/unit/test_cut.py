"""Frame-exact cuts and audio stripping (pipeline.cut), checked frame by frame.

Sources are numbered videos (tests/media_factory.py): every frame carries its own index, so
each output frame is read back and compared with the source frame it must be.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.cut import cut_clip, strip_audio
from pipeline.media import MediaError, probe_video
from pipeline.process import audio_stream_count
from tests.support.media_factory import decode_all_frame_numbers, make_numbered_video

SIZE = (320, 240)
# name -> (frames, fps, container suffix, start time): B-frames everywhere (bframes=True).
SOURCES = {
    "25fps_bframes_start1.5": (60, "25", ".mp4", 1.5),
    "29.97fps_bframes_mkv": (45, "30000/1001", ".mkv", 0.4),
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cut-sources")
    return {
        name: make_numbered_video(
            folder / f"{name}{suffix}", frames, fps=fps, size=SIZE, start_time=start, bframes=True
        )
        for name, (frames, fps, suffix, start) in SOURCES.items()
    }


def _ranges(frames: int) -> list[tuple[str, int, int]]:
    last = frames - 1
    return [
        ("first_frame_only", 0, 0),
        ("from_frame_0", 0, 9),
        ("middle", 13, 29),
        ("to_last_frame", last - 7, last),
        ("last_frame_only", last, last),
        ("whole_video", 0, last),
    ]


CASES = [
    pytest.param(source, start, end, id=f"{source}-{label}")
    for source, (frames, *_rest) in SOURCES.items()
    for label, start, end in _ranges(frames)
]


@pytest.mark.parametrize(("source", "start", "end"), CASES)
def test_cut_is_frame_exact_cfr_from_zero_without_audio(sources, tmp_path, source, start, end):
    src = sources[source]
    info = probe_video(src)
    dst = tmp_path / "clip.mp4"
    out = cut_clip(src, dst, start, end, info)
    assert decode_all_frame_numbers(dst, SIZE) == list(range(start, end + 1))
    assert out.num_frames == end - start + 1
    assert out.fps_fraction == info.fps_fraction
    assert out.start_time == 0.0
    assert not out.has_audio and audio_stream_count(dst) == 0


def test_cut_of_a_source_with_audio_has_no_audio(tmp_path):
    src = make_numbered_video(tmp_path / "with_audio.mp4", 30, audio=True, start_time=0.2)
    assert audio_stream_count(src) == 1
    out = cut_clip(src, tmp_path / "clip.mp4", 5, 20, probe_video(src))
    assert not out.has_audio and audio_stream_count(tmp_path / "clip.mp4") == 0
    assert decode_all_frame_numbers(tmp_path / "clip.mp4", SIZE) == list(range(5, 21))


def test_cut_reports_increasing_progress_ending_at_one(sources, tmp_path):
    src = sources["25fps_bframes_start1.5"]
    seen: list[float] = []
    cut_clip(src, tmp_path / "clip.mp4", 0, 59, probe_video(src), on_progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen) and all(0 <= value <= 1 for value in seen)


BAD_RANGES = [
    pytest.param(10, 5, "starts after it ends", id="start_after_end"),
    pytest.param(0, 60, "past the video's last frame 59", id="end_past_last_frame"),
    pytest.param(60, 60, "past the video's last frame 59", id="start_past_last_frame"),
    pytest.param(-1, 5, "negative", id="negative_start"),
    pytest.param(0, 2.5, "whole numbers", id="non_integer_end"),
]


@pytest.mark.parametrize(("start", "end", "message"), BAD_RANGES)
def test_out_of_range_cut_is_a_clear_media_error(sources, tmp_path, start, end, message):
    src = sources["25fps_bframes_start1.5"]
    with pytest.raises(MediaError) as caught:
        cut_clip(src, tmp_path / "clip.mp4", start, end, probe_video(src))
    assert caught.value.code == "bad_range"
    assert message in caught.value.message
    assert not (tmp_path / "clip.mp4").exists()


def _video_packet_hashes(path: Path) -> list[str]:
    """MD5 of every video packet (stream copy, no decoding): equal lists = same bitstream."""
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
            "-c",
            "copy",
            "-f",
            "framemd5",
            "pipe:1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        line.rsplit(",", 1)[-1].strip()
        for line in proc.stdout.splitlines()
        if line and not line.startswith("#")
    ]


def test_strip_audio_removes_audio_and_keeps_the_video_bitstream(tmp_path):
    src = make_numbered_video(tmp_path / "with_audio.mp4", 40, audio=True)
    dst = tmp_path / "silent.mp4"
    strip_audio(src, dst)
    assert audio_stream_count(src) == 1
    assert audio_stream_count(dst) == 0
    assert _video_packet_hashes(dst) == _video_packet_hashes(src)
    assert probe_video(dst).num_frames == 40


def test_audio_stream_count_rejects_a_non_media_file(tmp_path):
    text = tmp_path / "note.txt"
    text.write_text("not a video\n" * 10)
    with pytest.raises(MediaError):
        audio_stream_count(text)
