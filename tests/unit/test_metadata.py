"""The metadata CSV of a bulk import (pure: no database)."""

import pytest

from annotator.metadata import MetadataError, parse_metadata


@pytest.fixture
def folder(tmp_path):
    for name in ("1.mp4", "2.mov", "clip.mkv", "3.mp4", "3.mkv"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


CASES = [
    # (case, csv, video_id, expected errors substring or "", resolved file name)
    ("file by video id", "video_id,subject_id\n1,4\n", "1", "", "1.mp4"),
    ("explicit file", "video_id,file\n9,clip.mkv\n", "9", "", "clip.mkv"),
    ("missing file", "video_id,file\n9,nope.mp4\n", "9", "file not found: nope.mp4", None),
    ("no file for id", "video_id\n77\n", "77", "no 77.<ext> video", None),
    ("two files for id", "video_id\n3\n", "3", "several files match", None),
    ("escape the folder", "video_id,file\n9,../x.mp4\n", "9", "outside the import folder", None),
    ("bad result", "video_id,win_or_lose\n1,draw\n", "1", "win or lose", "1.mp4"),
    ("empty id", "video_id,file\n,clip.mkv\n", "", "video_id is empty", "clip.mkv"),
]


@pytest.mark.parametrize("case,text,video_id,error,file", CASES, ids=[c[0] for c in CASES])
def test_rows(folder, case, text, video_id, error, file):
    (row,) = parse_metadata(text, folder)
    assert row.video_id == video_id
    assert (error in " ".join(row.errors)) if error else row.ok, row.errors
    assert (row.file.name if row.file else None) == file


def test_imigue_column_names_and_case():
    text = (
        "\ufeffVideo_ID,Subject_ID,subject_gender,subject_nationality,win_or_lose\n"
        "1,4,F,Spain,Lose\n"
    )
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "1.mp4").write_bytes(b"x")
        (row,) = parse_metadata(text, Path(tmp))
    assert (row.subject_id, row.gender, row.nationality, row.result) == ("4", "F", "Spain", "lose")


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "empty"),
        ("subject_id\n1\n", "no video_id column"),
        ("video_id\n1\n1\n", "lines 2 and 3"),
    ],
)
def test_unusable_csv_is_refused_whole(folder, text, message):
    with pytest.raises(MetadataError, match=message):
        parse_metadata(text, folder)
