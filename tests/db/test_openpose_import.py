"""OpenPose-137 skeletons on real iMiGUE data (pose stage: "the same layout code imports
the real OpenPose-137 skeletons ... so that pose-based work can be tested on real data").

The reader is checked against the real files in ../shared/reference/imigue/ (video 298: the
packed .npz of all 21,068 frames and four of OpenPose's own per-frame JSON files), then the
commands end to end: the 56 clips of video 298 from the real label table, and their poses.
"""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from annotator.models import Clip, Project, Video
from pipeline import openpose
from pipeline.subject import box_iou, pose_box
from tests.support.paths import IMIGUE_REFERENCE

IMIGUE = IMIGUE_REFERENCE
NPZ = IMIGUE / "video298_openpose137.npz"
JSON_DIR = IMIGUE / "openpose-json-samples"
LABELS = IMIGUE / "labels_20200831.csv"


@pytest.fixture(scope="module")
def reference():
    if not (NPZ.is_file() and JSON_DIR.is_dir() and LABELS.is_file()):
        pytest.skip(f"the real iMiGUE reference files are not in {IMIGUE}")
    with np.load(NPZ) as data:
        return data["keypoints"], data["num_people"]


@pytest.fixture(scope="module")
def skeletons(reference):
    # Loaded and tracked once per module: 21,068 frames take a couple of seconds.
    return openpose.load_openpose(NPZ)


def test_layout_is_the_one_baselines_maps():
    assert openpose.LAYOUT == "openpose137" and openpose.NUM_KEYPOINTS == 137


def test_json_frames_equal_the_npz_rows(reference):
    keypoints, num_people = reference
    people = openpose.read_json_dir(JSON_DIR)
    frames = sorted(int(p.name.split("_")[1]) for p in JSON_DIR.glob("*_keypoints.json"))
    assert frames == [0, 1, 2, 1500]
    assert len(people) == 1501  # frame numbers come from the names; frames 3..1499 are empty
    assert all(people[t] == [] for t in range(3, 1500))
    for t in frames:
        assert len(people[t]) == num_people[t] >= 1
        for p, pose in enumerate(people[t]):
            assert pose.dtype == np.float32 and pose.shape == (137, 3)
            np.testing.assert_array_equal(pose, keypoints[t, p])
    # And the whole reader path agrees on those frames: the same main subject from both sources.
    from_json = openpose.load_openpose(JSON_DIR)
    from_npz = openpose.select_main_subject(openpose.read_npz(NPZ)[:1501])
    np.testing.assert_array_equal(from_json.keypoints[frames], from_npz.keypoints[frames])
    assert from_json.keypoints[3:1500].sum() == 0


def test_json_reader_refuses_bad_input(tmp_path):
    frame = {"version": 1.3, "people": [{"pose_keypoints_2d": [1.0] * 74}]}
    (tmp_path / "7_000000000000_keypoints.json").write_text(json.dumps(frame))
    with pytest.raises(openpose.OpenPoseError, match="74 values, expected 75"):
        openpose.read_json_dir(tmp_path)
    (tmp_path / "8_000000000000_keypoints.json").write_text("{}")
    with pytest.raises(openpose.OpenPoseError, match="several videos"):
        openpose.read_json_dir(tmp_path)
    with pytest.raises(openpose.OpenPoseError, match="no 'people' list"):
        openpose.read_json_dir(tmp_path, video="8")
    with pytest.raises(openpose.OpenPoseError, match="expected an .npz file or a folder"):
        openpose.read_people(tmp_path / "missing.npz")


def test_missing_parts_and_frames_are_zeros(tmp_path):
    body = [float(v) for v in range(75)]
    frame = {"people": [{"pose_keypoints_2d": body, "face_keypoints_2d": []}]}
    (tmp_path / "v_000000000002_keypoints.json").write_text(json.dumps(frame))
    people = openpose.read_json_dir(tmp_path, num_frames=5)
    assert [len(p) for p in people] == [0, 0, 1, 0, 0]
    pose = people[2][0]
    assert pose[:25].ravel().tolist() == body and not pose[25:].any()


def test_main_subject_is_stable_on_the_real_video(reference, skeletons):
    """The chosen person does not flip between the two when both are present.

    Video 298 has 10 frames where OpenPose found two people (a second person leaning into the
    frame for 1–4 frames). The subject, found in nearly every frame, is one long track; the
    second person's short tracks score far lower, so in every two-person frame the subject (the
    large, central one, person 0) stays chosen. A switch is a change of the chosen track between
    consecutive frames that both have someone chosen; on this video there is none, and a switch
    between two people would also show as a jump of the chosen box, which is counted too.
    """
    keypoints, num_people = reference
    assert skeletons.keypoints.shape == (21068, 137, 3)
    assert skeletons.keypoints.dtype == np.float32 and skeletons.layout == "openpose137"
    np.testing.assert_array_equal(skeletons.people_per_frame, num_people)
    two = np.flatnonzero(num_people == 2)
    assert len(two) == 10
    assert (skeletons.chosen_person[two] == 0).all()
    chosen = skeletons.chosen_track
    both = (chosen[1:] >= 0) & (chosen[:-1] >= 0)
    switches = int(np.sum(both & (chosen[1:] != chosen[:-1])))
    assert switches == 0
    boxes = [pose_box(p) for p in skeletons.keypoints]
    jumps = sum(
        1
        for t in range(1, len(boxes))
        if boxes[t] and boxes[t - 1] and box_iou(boxes[t], boxes[t - 1]) < 0.2
    )
    assert jumps <= 2, jumps  # a camera cut may move the subject; a person flip would be many
    # Every frame where OpenPose found someone has a subject; the others are zeros.
    found = skeletons.keypoints[..., 2].any(axis=1)
    np.testing.assert_array_equal(found, num_people > 0)
    one = np.flatnonzero(num_people == 1)
    np.testing.assert_array_equal(skeletons.keypoints[one], keypoints[one, 0])


def test_imigue22_mapping_is_finite_where_confident(skeletons):
    mapped = openpose.to_imigue22(skeletons.keypoints)
    assert mapped.shape == (21068, 22, 3) and mapped.dtype == np.float32
    assert np.isfinite(mapped).all()
    confident = mapped[..., 2] > 0
    assert confident.mean() > 0.5  # most joints of a seated, filmed subject are seen
    # Body and head joints lie in the 1280×720 frame. OpenPose's hand crops reach past the
    # frame's edge, so a few low-confidence fingertips of video 298 do too (down to x ≈ -49,
    # y ≈ 815): finite and near the frame, not garbage.
    body = mapped[:, :12][confident[:, :12]][:, :2]
    assert (body >= 0).all() and (body <= [1280, 720]).all()
    xy = mapped[confident][:, :2]
    assert (xy >= [-0.25 * 1280, -0.25 * 720]).all() and (xy <= [1.25 * 1280, 1.25 * 720]).all()
    # The Neck is the mean of the shoulders wherever both are present (baselines' rule).
    shoulders = skeletons.keypoints[:, [5, 2]]
    both = (shoulders[..., 2] > 0).all(axis=1)
    np.testing.assert_allclose(mapped[both, 1, :2], shoulders[both, :, :2].mean(axis=1))


# --- the commands on a database -------------------------------------------------------------


def run(*args, stderr: StringIO | None = None, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=stderr or StringIO(), **options)
    return out.getvalue()


def _state(project) -> list[tuple]:
    return list(
        Clip.objects.filter(project=project)
        .order_by("pk")
        .values_list(
            "pk",
            "start_frame",
            "end_frame",
            "category__code",
            "origin",
            "status",
            "pose_file",
            "pose_layout",
            "provenance",
        )
    )


def _rows_298() -> list[list[str]]:
    lines = LABELS.read_text().splitlines()
    return [line.split(",") for line in lines[1:] if line.startswith("298,")]


@pytest.mark.django_db
def test_import_clips_and_poses_of_video_298(reference, skeletons, media_root, monkeypatch):
    # The command would track the 21,068 frames again; the module's result is the same input.
    monkeypatch.setattr(
        "annotator.management.commands.import_poses.load_openpose", lambda *a, **k: skeletons
    )
    run("create_project", "imigue")
    project = Project.objects.get(name="imigue")
    out = run("import_clips", str(LABELS), project="imigue", videos=["298"])
    assert "clips created: 56" in out
    video = Video.objects.get(project=project, external_id="298")
    assert video.status == Video.Status.NO_MEDIA and not video.source_file and video.fps == 25
    assert video.subject.subject_id == _rows_298()[0][7]
    clips = Clip.objects.filter(project=project, video=video)
    assert clips.count() == 56
    assert set(clips.values_list("origin", "status")) == {("imported", "agreed")}
    table = sorted((int(r[3]), int(r[5]), int(r[6])) for r in _rows_298())
    ours = sorted(clips.values_list("start_frame", "end_frame", "category__code"))
    assert ours == table  # class 99 is the project's C32 (code 99)
    assert sorted(c.provenance["label_id"] for c in clips) == list(range(1, 57))

    out = run("import_poses", str(NPZ), project="imigue", video_id="298")
    assert "clips written: 56" in out
    for clip in Clip.objects.filter(video=video):
        assert clip.pose_layout == "openpose137"
        with np.load(media_root / clip.pose_file) as data:
            assert str(data["layout"]) == "openpose137"
            kp = data["keypoints"]
        assert kp.shape == (clip.end_frame - clip.start_frame + 1, 137, 3)
        assert kp.dtype == np.float32
        digest = hashlib.sha256((media_root / clip.pose_file).read_bytes()).hexdigest()
        assert clip.pose_sha256 == digest
        np.testing.assert_array_equal(
            kp, skeletons.keypoints[clip.start_frame : clip.end_frame + 1]
        )
    assert not list(media_root.rglob("*.part"))

    before = _state(project)
    mtimes = {p: p.stat().st_mtime_ns for p in media_root.rglob("*.npz")}
    assert "clips created: 0" in run("import_clips", str(LABELS), project="imigue", videos=["298"])
    assert "unchanged: 56" in run("import_poses", str(NPZ), project="imigue", video_id="298")
    assert _state(project) == before
    assert {p: p.stat().st_mtime_ns for p in media_root.rglob("*.npz")} == mtimes
    assert Video.objects.filter(project=project).count() == 1

    # A clip past the skeletons' end is refused clearly; the others stay as they were.
    late = Clip.objects.create(
        project=project,
        video=video,
        start_frame=21000,
        end_frame=21068,
        category=project.categories.get(code=99),
        origin="imported",
    )
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 clip\(s\) of video 298 refused.*21068 frames"):
        run("import_poses", str(NPZ), project="imigue", video_id="298", stderr=err)
    assert (
        f"refused clip {late.pk} [21000, 21068]: ends at frame 21068 but the skeletons "
        "have 21068 frames (0..21067)" in err.getvalue()
    )
    late.refresh_from_db()
    assert late.pose_file == "" and late.pose_layout == ""
    assert not (media_root / f"poses/{project.pk}/{late.pk}.npz").exists()
    assert _state(project)[:-1] == before


@pytest.mark.django_db
def test_import_poses_from_the_json_folder_and_bad_input(reference, media_root):
    run("create_project", "p")
    project = Project.objects.get(name="p")
    table = media_root / "t.csv"
    table.write_text(
        "video_id,start_frame,end_frame,class\n298,0,2,99\n298,1400,1500,5\n298,1501,1510,5\n"
    )
    run("import_clips", str(table), project="p")
    with pytest.raises(CommandError, match=r"1 clip\(s\) of video 298 refused"):
        run("import_poses", str(JSON_DIR), project="p", video_id="298")
    first, middle = Clip.objects.filter(project=project).order_by("start_frame")[:2]
    with np.load(media_root / first.pose_file) as data:
        np.testing.assert_array_equal(data["keypoints"], reference[0][0:3, 0])
    with np.load(media_root / middle.pose_file) as data:
        assert data["keypoints"].shape == (101, 137, 3)
        assert not data["keypoints"][:100].any() and data["keypoints"][100].any()

    with pytest.raises(CommandError, match="no video '999'"):
        run("import_poses", str(NPZ), project="p", video_id="999")
    Video.objects.filter(project=project).update(fps=30.0)
    with pytest.raises(CommandError, match="30 fps but the skeletons at 25"):
        run("import_poses", str(NPZ), project="p", video_id="298")
    table.write_text("video_id,start_frame,end_frame,class\n298,5,2,99\n299,0,1,77\n")
    with pytest.raises(CommandError, match=r"line 2: frames \[5, 2\] are not 0 <= start <= end"):
        run("import_clips", str(table), project="p")
    table.write_text("video_id,start_frame,end_frame,class\n299,0,1,77\n")
    with pytest.raises(CommandError, match="class.*77 are not categories"):
        run("import_clips", str(table), project="p")
    assert not Video.objects.filter(external_id="299").exists()
