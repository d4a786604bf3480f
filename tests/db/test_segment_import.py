"""Importing one labeler's segments from another tool: parsers, service and command."""

from __future__ import annotations

import csv
from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotator.models import Assignment, Segment, SegmentHistory, Video
from annotator.segment_import import (
    ImportedSegment,
    SegmentImportError,
    eaf_tiers,
    eaf_video_id,
    parse_eaf,
    parse_segments_csv,
)
from annotator.services.segment_import import import_segments, segment_uuid
from tests.support.factories import (
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    SegmentFactory,
    UserFactory,
    VideoFactory,
)
from tests.support.paths import IMIGUE_REFERENCE

IMIGUE_TABLE = IMIGUE_REFERENCE
IMIGUE_TABLE = IMIGUE_TABLE / "labels_20200831.csv"

HEADER = "video_id,start_frame,end_frame,category_code\n"


# ------------------------------------------------------------------------------ CSV parser


def test_csv_parses_rows_ignoring_extra_columns_blank_lines_bom_and_spaces():
    text = "\ufeffnote, video_id ,start_frame,end_frame,category_code\n\nx, 371 , 171,246, 20\n"
    text += "y,415,0,0,3\n"
    assert parse_segments_csv(text) == [
        ImportedSegment("371", 171, 246, 20, 3),
        ImportedSegment("415", 0, 0, 3, 4),
    ]


def test_csv_header_only_gives_no_rows():
    assert parse_segments_csv(HEADER) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("\n\n", "the file is empty"),
        ("video_id,start_frame,end_frame\n1,2,3\n", "line 1: header lacks column(s) category_code"),
        ("1,10,20,3\n", "header lacks column(s) video_id, start_frame, end_frame, category_code"),
        (HEADER + "1,ten,20,3\n", "line 2: start_frame 'ten' is not an integer"),
        (HEADER + "1,10,20.5,3\n", "line 2: end_frame '20.5' is not an integer"),
        (HEADER + "1,10,20,C3\n", "line 2: category_code 'C3' is not an integer"),
        (HEADER + "1,10,20,3\n1,10,,3\n", "line 3: end_frame is empty"),
        (HEADER + "1,10,20\n", "line 2: category_code is empty"),
        (HEADER + "1,-1,20,3\n", "line 2: frames are 0-based and cannot be negative"),
        (HEADER + "1,10,-2,3\n", "line 2: frames are 0-based and cannot be negative"),
        (HEADER + "\n1,30,20,3\n", "line 3: start_frame 30 is after end_frame 20"),
        (HEADER + " ,10,20,3\n", "line 2: video_id is empty"),
    ],
)
def test_csv_errors_name_the_line_and_the_problem(text, message):
    with pytest.raises(SegmentImportError) as info:
        parse_segments_csv(text)
    assert message in str(info.value)


# ------------------------------------------------------------------------------ EAF parser


def eaf(tiers: dict, media: str | None = "file:///data/iMiGUE/371.mp4", extra: str = "") -> str:
    """A small ELAN document: tiers maps TIER_ID → [(start_ms, end_ms, value), ...]."""
    slots, body, n = [], [], 0
    for tier_id, marks in tiers.items():
        items = []
        for start, end, value in marks:
            n += 1
            slots.append(f'<TIME_SLOT TIME_SLOT_ID="ts{2 * n - 1}" TIME_VALUE="{start}"/>')
            slots.append(f'<TIME_SLOT TIME_SLOT_ID="ts{2 * n}" TIME_VALUE="{end}"/>')
            items.append(
                f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a{n}" '
                f'TIME_SLOT_REF1="ts{2 * n - 1}" TIME_SLOT_REF2="ts{2 * n}">'
                f"<ANNOTATION_VALUE>{value}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>"
            )
        body.append(
            f'<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="{tier_id}">{"".join(items)}</TIER>'
        )
    descriptor = f'<MEDIA_DESCRIPTOR MEDIA_URL="{media}" MIME_TYPE="video/mp4"/>' if media else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-01-01T00:00:00Z" FORMAT="3.0" VERSION="3.0">'
        f'<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">{descriptor}</HEADER>'
        f"<TIME_ORDER>{''.join(slots)}{extra}</TIME_ORDER>{''.join(body)}"
        '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>'
        "</ANNOTATION_DOCUMENT>"
    )


@pytest.mark.parametrize(
    ("start_ms", "end_ms", "fps", "frames"),
    [
        (0, 1000, 25, (0, 24)),  # end exclusive: frame 25 starts at 1000 ms
        (6855, 9855, 25, (171, 245)),  # floor(171.375), floor(246.375) - 1
        (40, 80, 25, (1, 1)),  # exactly one frame
        (2000, 2000, 25, (50, 50)),  # zero length → one frame (clamped to start)
        (2000, 2010, 25, (50, 50)),  # ends inside the start frame → clamped to start
        (334, 1001, 30, (10, 29)),  # 30 fps, ms rounded up by the exporter: exact
        (1001, 2002, Fraction(30000, 1001), (30, 59)),  # NTSC rate as an exact fraction
        (1000, 2000, 29.97, (29, 58)),  # a float fps means its decimal value
    ],
)
def test_eaf_times_become_frames_with_floor_and_an_exclusive_end(start_ms, end_ms, fps, frames):
    [seg] = parse_eaf(eaf({"L1": [(start_ms, end_ms, "12")]}), "L1", fps=fps)
    assert (seg.start_frame, seg.end_frame) == frames


def test_eaf_reads_one_tier_with_codes_and_names_and_the_media_stem():
    text = eaf(
        {
            "L1": [(0, 1000, "12"), (2000, 3000, "C3"), (4000, 5000, "Touching jaw")],
            "L2": [(0, 400, "7")],
        }
    )
    segs = parse_eaf(text, "L1")
    assert [(s.video_id, s.start_frame, s.end_frame) for s in segs] == [
        ("371", 0, 24),
        ("371", 50, 74),
        ("371", 100, 124),
    ]
    assert [(s.category_code, s.category_name) for s in segs] == [
        (12, ""),
        (3, ""),
        (None, "Touching jaw"),
    ]
    assert [s.line for s in segs] == [1, 2, 3]
    assert segs[2].place == "tier 'L1' annotation 3 (a3)"
    assert segs[2].category_label == "Touching jaw"
    assert [s.video_id for s in parse_eaf(text, "L2", video_id="v9")] == ["v9"]
    assert eaf_tiers(text) == ["L1", "L2"]


@pytest.mark.parametrize(
    ("media", "stem"),
    [
        ("file:///data/iMiGUE/371.mp4", "371"),
        ("file:///C:/Users/me/videos/0415.MP4", "0415"),
        ("file:///data/my%20video.final.mov", "my video.final"),
        ("./relative/184.mp4", "184"),
        (None, None),
    ],
)
def test_eaf_video_id_is_the_media_file_stem(media, stem):
    assert eaf_video_id(eaf({"L1": []}, media=media)) == stem


REF_TIER = (
    '<?xml version="1.0"?><ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER/>'
    '<TIER TIER_ID="L1"><ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a1" ANNOTATION_REF="a0">'
    "<ANNOTATION_VALUE>3</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION></TIER>"
    "</ANNOTATION_DOCUMENT>"
)


def _broken(old: str, new: str) -> str:
    return eaf({"L1": [(0, 1000, "12")]}).replace(old, new)


@pytest.mark.parametrize(
    ("text", "tier", "kwargs", "message"),
    [
        (
            eaf({"L1": [], "L2 (Ann)": []}),
            "L3",
            {},
            "no tier 'L3' in the .eaf file (tiers present: 'L1', 'L2 (Ann)')",
        ),
        (eaf({}), "L1", {}, "tiers present: none"),
        ("<ANNOTATION_DOCUMENT><TIER>", "L1", {}, "not a valid .eaf (XML) file"),
        ("<html/>", "L1", {}, "root element is <html>"),
        (eaf({"L1": []}, media=None), "L1", {}, "no video id"),
        (eaf({"L1": [(0, 1000, "12")]}), "L1", {"fps": 0}, "fps must be positive"),
        (
            eaf({"L1": [(0, 1000, "12"), (3000, 2000, "4")]}),
            "L1",
            {},
            "tier 'L1' annotation 2 (a2): starts at 3000 ms, after its end 2000 ms",
        ),
        (eaf({"L1": [(0, 1000, " ")]}), "L1", {}, "annotation 1 (a1): the annotation value"),
        (
            _broken('TIME_SLOT_REF2="ts2"', 'TIME_SLOT_REF2="ts9"'),
            "L1",
            {},
            "TIME_SLOT_REF2 names unknown time slot 'ts9'",
        ),
        (_broken(' TIME_SLOT_REF1="ts1"', ""), "L1", {}, "TIME_SLOT_REF1 is missing"),
        (_broken(' TIME_VALUE="1000"', ""), "L1", {}, "time slot 'ts2' has no TIME_VALUE"),
        (
            _broken('TIME_VALUE="1000"', 'TIME_VALUE="1.5s"'),
            "L1",
            {},
            "time slot ts2: TIME_VALUE '1.5s' is not whole milliseconds",
        ),
        (_broken('TIME_VALUE="0"', 'TIME_VALUE="-40"'), "L1", {}, "negative time"),
        (REF_TIER, "L1", {"video_id": "1"}, "reference (symbolic) annotations"),
    ],
)
def test_eaf_errors_are_clear(text, tier, kwargs, message):
    with pytest.raises(SegmentImportError) as info:
        parse_eaf(text, tier, **kwargs)
    assert message in str(info.value)


# ------------------------------------------------------------------------------ service + command


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def setup(db):
    project = ProjectFactory(name="mig")
    labeler = LabelerFactory(code="L7", user__username="ana")
    for vid in ("v1", "v2"):
        VideoFactory(project=project, external_id=vid, num_frames=1000)
    return project, labeler


def live(labeler, vid=None):
    qs = Segment.objects.filter(assignment__labeler=labeler, is_deleted=False)
    if vid is not None:
        qs = qs.filter(assignment__video__external_id=vid)
    return sorted(qs.values_list("start_frame", "end_frame", "category__code"))


CSV_TEXT = HEADER + "v1,10,20,3\nv1,15,30,3\nv1,15,30,3\nv1,40,50,4\nv2,0,999,12\n"


@pytest.mark.django_db
def test_csv_import_creates_segments_history_and_submits(setup, tmp_path):
    project, labeler = setup
    AssignmentFactory(
        video=VideoFactory(project=project, external_id="other"), labeler=labeler, position=5
    )
    out = run("import_segments", write(tmp_path, "ana.csv", CSV_TEXT), project="mig", labeler="ana")
    assert "videos: 2 (2 newly assigned), all submitted" in out
    assert "segments imported: 4" in out
    assert "duplicates skipped: 1" in out and "line 4: video v1 [15, 30] C3" in out
    assert "same-category overlaps: 1" in out
    assert live(labeler, "v1") == [(10, 20, 3), (15, 30, 3), (40, 50, 4)]
    assert live(labeler, "v2") == [(0, 999, 12)]
    for assignment in Assignment.objects.filter(
        labeler=labeler, video__external_id__in=["v1", "v2"]
    ):
        assert assignment.state == Assignment.State.SUBMITTED
        assert assignment.submitted_at is not None
        assert assignment.position in (6, 7)
    history = SegmentHistory.objects.filter(segment__assignment__labeler=labeler)
    assert history.count() == 4 and set(history.values_list("action", flat=True)) == {"import"}
    first = history.get(segment__start_frame=10)
    assert first.after["source"] == "ana.csv" and first.user == labeler.user
    seg = Segment.objects.get(start_frame=10)
    assert seg.client_uuid == segment_uuid(project, labeler, "v1", 10, 20, 3)
    assert seg.created_by == labeler.user
    assert labeler in project.labelers.all()


@pytest.mark.django_db
def test_unknown_video_is_refused_and_nothing_written(setup, tmp_path):
    path = write(tmp_path, "a.csv", HEADER + "v1,10,20,3\nv404,1,2,3\nv405,1,2,3\n")
    with pytest.raises(CommandError, match="project mig has no video.s. v404; v405"):
        run("import_segments", path, project="mig", labeler="ana")
    assert Segment.objects.count() == 0 and Assignment.objects.count() == 0


@pytest.mark.django_db
def test_unknown_category_and_out_of_range_frames_are_refused(setup, tmp_path):
    project, labeler = setup
    path = write(tmp_path, "a.csv", HEADER + "v1,10,20,3\nv1,10,20,77\n")
    with pytest.raises(CommandError, match=r"unknown categories .*'C77' \(line 3\)"):
        run("import_segments", path, project="mig", labeler="L7")
    path = write(tmp_path, "b.csv", HEADER + "v1,10,20,3\nv2,990,1000,3\n")
    with pytest.raises(
        CommandError, match="line 3: video v2 end_frame 1000 is past its last frame 999"
    ):
        run("import_segments", path, project="mig", labeler="L7")
    with pytest.raises(SegmentImportError, match="no segments"):
        import_segments(project, labeler, [], source="empty.csv")
    assert Segment.objects.count() == 0 and Assignment.objects.count() == 0


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(setup, tmp_path):
    _, labeler = setup
    path = write(tmp_path, "ana.csv", CSV_TEXT)
    run("import_segments", path, project="mig", labeler="ana")
    before = list(Segment.objects.order_by("pk").values("pk", "client_uuid", "version"))
    out = run("import_segments", path, project="mig", labeler="ana")
    assert "segments imported: 0" in out and "already imported (unchanged): 4" in out
    assert list(Segment.objects.order_by("pk").values("pk", "client_uuid", "version")) == before
    assert SegmentHistory.objects.count() == 4 and Assignment.objects.count() == 2


@pytest.mark.django_db
def test_other_segments_are_refused_unless_replace(setup, tmp_path):
    project, labeler = setup
    assignment = AssignmentFactory(
        video=project.videos.get(external_id="v1"),
        labeler=labeler,
        state=Assignment.State.SUBMITTED,
    )
    SegmentFactory(assignment=assignment, start_frame=100, end_frame=120)
    SegmentFactory(
        assignment=assignment,
        start_frame=10,
        end_frame=20,
        category=project.categories.get(code=3),
        client_uuid=segment_uuid(project, labeler, "v1", 10, 20, 3),
    )
    path = write(tmp_path, "ana.csv", CSV_TEXT)
    with pytest.raises(
        CommandError,
        match=r"L7 already has other segments for video v1 "
        r"\(2 segments, submitted\); use --replace",
    ):
        run("import_segments", path, project="mig", labeler="ana")
    assert Segment.objects.count() == 2 and Assignment.objects.count() == 1

    out = run("import_segments", path, project="mig", labeler="ana", replace=True)
    assert "segments imported: 3" in out and "already imported (unchanged): 1" in out
    assert "replaced (soft-deleted): 1" in out
    assert live(labeler, "v1") == [(10, 20, 3), (15, 30, 3), (40, 50, 4)]
    gone = Segment.objects.get(start_frame=100)
    assert gone.is_deleted and gone.version == 2
    assert list(gone.history.values_list("action", flat=True)) == ["delete"]
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.SUBMITTED

    # Replacing back with a file that lacks rows restores nothing extra and deletes the rest;
    # importing the full file again brings the soft-deleted import rows back by their uuid.
    run(
        "import_segments",
        write(tmp_path, "small.csv", HEADER + "v1,10,20,3\n"),
        project="mig",
        labeler="ana",
        replace=True,
    )
    assert live(labeler, "v1") == [(10, 20, 3)]
    out = run("import_segments", path, project="mig", labeler="ana", replace=True)
    assert live(labeler, "v1") == [(10, 20, 3), (15, 30, 3), (40, 50, 4)]
    restored = Segment.objects.get(start_frame=40)
    assert restored.version == 3
    assert list(restored.history.values_list("action", flat=True)) == ["import", "delete", "import"]


@pytest.mark.django_db
def test_a_video_without_source_file_is_a_valid_target(setup, tmp_path):
    project, labeler = setup
    Video.objects.create(project=project, external_id="labels-only", status=Video.Status.NO_MEDIA)
    path = write(tmp_path, "a.csv", HEADER + "labels-only,5000,6000,29\n")
    assert "segments imported: 1" in run("import_segments", path, project="mig", labeler="ana")
    assignment = Assignment.objects.get(video__external_id="labels-only")
    assert assignment.state == Assignment.State.SUBMITTED and assignment.video.source_file == ""
    assert live(labeler) == [(5000, 6000, 29)]


@pytest.mark.django_db
def test_eaf_end_to_end_with_default_tier_fps_from_video_and_names(setup, tmp_path):
    project, labeler = setup
    VideoFactory(project=project, external_id="371", fps=30.0, fps_fraction="30/1")
    text = eaf({"L7": [(334, 1001, "C3"), (2000, 3000, "touching jaw ")], "L2": [(0, 40, "1")]})
    out = run("import_segments", write(tmp_path, "session.eaf", text), project="mig", labeler="ana")
    assert "segments imported: 2" in out
    assert live(labeler, "371") == [(10, 29, 3), (60, 89, 11)]
    # --tier, --video-id and --fps override; the username also names a tier by default
    text = eaf({"ana": [(0, 1000, "12")]}, media=None)
    run(
        "import_segments",
        write(tmp_path, "x.eaf", text),
        project="mig",
        labeler="L7",
        video_id="v2",
    )
    assert live(labeler, "v2") == [(0, 24, 12)]
    run(
        "import_segments",
        write(tmp_path, "y.txt", eaf({"X": [(0, 1000, "12")]})),
        project="mig",
        labeler="L7",
        format="eaf",
        tier="X",
        video_id="v1",
        fps="50",
    )
    assert live(labeler, "v1") == [(0, 49, 12)]
    with pytest.raises(CommandError, match=r"no tier 'L7' in the .eaf file \(tiers present: 'X'"):
        run(
            "import_segments", write(tmp_path, "z.eaf", eaf({"X": []})), project="mig", labeler="L7"
        )


@pytest.mark.django_db
def test_command_input_errors(setup, tmp_path):
    UserFactory(username="bob")
    path = write(tmp_path, "a.csv", HEADER + "v1,1,2,3\n")
    cases = [
        ({"project": "nope", "labeler": "ana"}, "no project named 'nope'"),
        ({"project": "mig", "labeler": "bob"}, "user 'bob' is not a labeler"),
        ({"project": "mig", "labeler": "zed"}, "no labeler with username or code 'zed'"),
    ]
    for options, message in cases:
        with pytest.raises(CommandError, match=message):
            run("import_segments", path, **options)
    with pytest.raises(CommandError, match="cannot tell the format of a.txt"):
        run("import_segments", write(tmp_path, "a.txt", "x"), project="mig", labeler="ana")
    with pytest.raises(CommandError, match="cannot read"):
        run("import_segments", str(tmp_path / "missing.csv"), project="mig", labeler="ana")
    with pytest.raises(CommandError, match="bad.csv: line 2: start_frame 'x' is not an integer"):
        run(
            "import_segments",
            write(tmp_path, "bad.csv", HEADER + "v1,x,2,3\n"),
            project="mig",
            labeler="ana",
        )
    with pytest.raises(CommandError, match="--fps 'fast' is not a number"):
        run(
            "import_segments",
            write(tmp_path, "a.eaf", eaf({"L7": []})),
            project="mig",
            labeler="ana",
            fps="fast",
        )


@pytest.mark.django_db
def test_real_imigue_labels_of_three_videos_import_with_equal_counts(tmp_path):
    if not IMIGUE_TABLE.is_file():
        pytest.skip(f"the real iMiGUE label table is not at {IMIGUE_TABLE}")
    with IMIGUE_TABLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    order = list(dict.fromkeys(row["video_id"] for row in rows))[:3]
    chosen = [row for row in rows if row["video_id"] in order]
    project = ProjectFactory(name="imigue")
    labeler = LabelerFactory(code="L1", user__username="real")
    for vid in order:
        VideoFactory(project=project, external_id=vid, num_frames=200_000)
    lines = [HEADER.strip()] + [
        f"{r['video_id']},{r['start_frame']},{r['end_frame']},{r['class']}" for r in chosen
    ]
    out = run(
        "import_segments",
        write(tmp_path, "imigue.csv", "\n".join(lines) + "\n"),
        project="imigue",
        labeler="real",
    )
    distinct = {(r["video_id"], r["start_frame"], r["end_frame"], r["class"]) for r in chosen}
    assert f"segments imported: {len(distinct)}" in out
    assert f"duplicates skipped: {len(chosen) - len(distinct)}" in out
    for vid in order:
        expected = sorted(
            (int(r["start_frame"]), int(r["end_frame"]), int(r["class"]))
            for r in chosen
            if r["video_id"] == vid
        )
        assert live(labeler, vid) == sorted(set(expected))
        assert len(expected) == len(live(labeler, vid))  # these three have no duplicates
    assert Assignment.objects.filter(state=Assignment.State.SUBMITTED).count() == 3
