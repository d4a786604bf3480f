"""The metadata CSV of a bulk import (pure: no database)."""

import hashlib

import pytest

from annotator.metadata import (
    MetadataError,
    parse_metadata,
    video_id_from_file_name,
    video_id_problem,
)


@pytest.fixture
def folder(tmp_path):
    for name in ("1.mp4", "2.mov", "clip.mkv", "3.mp4", "3.mkv", "notes.txt", "4.mp4.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "5.mp4").mkdir()  # a folder with a video's name is not a video
    return tmp_path


CASES = [
    # (case, csv, video_id, expected errors substring or "", resolved file name)
    ("file by video id", "video_id,subject_id\n1,4\n", "1", "", "1.mp4"),
    ("explicit file", "video_id,file\n9,clip.mkv\n", "9", "", "clip.mkv"),
    ("missing file", "video_id,file\n9,nope.mp4\n", "9", "file not found: nope.mp4", None),
    ("no file for id", "video_id\n77\n", "77", "no 77.<ext> video", None),
    ("two files for id", "video_id\n3\n", "3", "several files match", None),
    ("bad result", "video_id,win_or_lose\n1,draw\n", "1", "win or lose", "1.mp4"),
    ("empty id", "video_id,file\n,clip.mkv\n", "", "video_id is empty", "clip.mkv"),
    # Ids and file names are plain names: nothing that walks, globs or ends a C string.
    ("id climbs out", "video_id\n../../outside/secret\n", "../../outside/secret", "'/'", None),
    ("id with a backslash", "video_id\n..\\x\n", "..\\x", "'\\\\'", None),
    ("id is ..", "video_id\n..\n", "..", "may not be", None),
    ("glob star", "video_id\n*\n", "*", "'*'", None),
    ("glob question mark", "video_id\n?\n", "?", "'?'", None),
    ("glob class", "video_id\n[13]\n", "[13]", "'['", None),
    ("control character", "video_id\n1\x07\n", "1\x07", "'\\x07'", None),
    ("id too long", "video_id\n" + "9" * 51 + "\n", "9" * 51, "longer than 50", None),
    ("file climbs out", "video_id,file\n9,../x.mp4\n", "9", "'/'", None),
    ("file in a subfolder", "video_id,file\n9,sub/clip.mkv\n", "9", "'/'", None),
    ("file with NUL", "video_id,file\n9,clip\x00.mkv\n", "9", "'\\x00'", None),
    ("file with a glob", "video_id,file\n9,*.mkv\n", "9", "'*'", None),
    ("text file by name", "video_id,file\n9,notes.txt\n", "9", "not a video file", None),
    ("folder named like a video", "video_id\n5\n", "5", "not a regular file", None),
    ("only the last suffix counts", "video_id,file\n9,4.mp4.txt\n", "9", "not a video", None),
]


@pytest.mark.parametrize("case,text,video_id,error,file", CASES, ids=[c[0] for c in CASES])
def test_rows(folder, case, text, video_id, error, file):
    (row,) = parse_metadata(text, folder)
    assert row.video_id == video_id
    assert (error in " ".join(row.errors)) if error else row.ok, row.errors
    assert (row.file.name if row.file else None) == file


def test_symlinks_are_followed_only_inside_the_folder(tmp_path):
    folder, outside = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(b"x")
    (folder / "real.mp4").write_bytes(b"x")
    (folder / "leak.mp4").symlink_to(outside / "secret.mp4")
    (folder / "alias.mp4").symlink_to(folder / "real.mp4")
    text = "video_id,file\nleak,\nby-name,leak.mp4\nalias,\n"
    leak, by_name, alias = parse_metadata(text, folder)
    for row in (leak, by_name):
        assert row.file is None and "outside the import folder" in " ".join(row.errors)
    assert alias.ok and alias.file == folder / "real.mp4"


def test_ids_from_file_names_fit_the_column():
    long = "a" * 200
    cut = video_id_from_file_name(long, 50)
    assert cut == "a" * 41 + "-" + hashlib.sha256(long.encode()).hexdigest()[:8]
    assert video_id_from_file_name(long + "b", 50) != cut  # same beginning, another id
    assert video_id_from_file_name("match [final]?", 50) == "match _final__"
    assert video_id_from_file_name("..", 50) == "_"
    assert video_id_from_file_name("9" * 50, 50) == "9" * 50
    assert video_id_problem(video_id_from_file_name("x/../*\x00" * 30, 50), 50) is None


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
