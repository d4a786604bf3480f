"""A release tells how it was made: the settings stored with each clip (blur and verification
from its privacy record, poses from its pose settings), not the exporting process's
environment; a project processed without poses gives clips and labels and says so; and
skeleton.json names the joints and edges of every stored layout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone

from annotator.models import Clip, Subject
from annotator.release import validate_release
from annotator.services import release as release_service
from annotator.services.baselines import BaselineError, check_inputs
from baselines.layout_graphs import JOINTS
from baselines.recipes import load_recipe
from tests.support.factories import ProjectFactory, VideoFactory
from tests.support.media_factory import make_numbered_video

pytestmark = pytest.mark.django_db

PRIVACY = {
    "passed": True,
    "problems": [],
    "frames_processed": 6,
    "redetections": 0,
    "audio_streams": 0,
    "verifier": "mtcnn",
    "verifier_threshold": 0.9,
    "verifier_min_face": 16,
    "blur_detector": "centerface",
    "blur_threshold": 0.2,
    "blur_settings": {"mask_scale": 1.3, "kind": "ellipse"},
}
# How these clips' poses were made: not what this process is configured with (below).
POSES = {
    "backend": "openpifpaf",
    "model": "shufflenetv2k16.pkl",
    "layout": "coco17",
    "version": "0.13.11",
    "long_edge": 321,
    "batch_size": 1,
}


@pytest.fixture(scope="module")
def tiny_mp4(tmp_path_factory) -> Path:
    return make_numbered_video(tmp_path_factory.mktemp("mp4") / "c.mp4", 6, size=(64, 48))


def make_project(media_root, mp4, *, poses: bool, blur_threshold=(0.2, 0.2, 0.5)):
    project = ProjectFactory(extract_poses=poses)
    for n, result in ((1, "win"), (2, "lose")):
        subject = Subject.objects.create(project=project, subject_id=str(n))
        video = VideoFactory(
            project=project, external_id=str(n), match_result=result, subject=subject
        )
        for k, threshold in enumerate(blur_threshold):
            clip = Clip.objects.create(
                project=project,
                video=video,
                start_frame=10 * k,
                end_frame=10 * k + 5,
                category=project.categories.get(code=1 + k),
                origin="matched",
                status="processed",
                privacy={**PRIVACY, "blur_threshold": threshold},
                processed_at=timezone.now(),
            )
            clip_rel = f"clips/{clip.pk}.mp4"
            (media_root / "clips").mkdir(exist_ok=True)
            shutil.copy(mp4, media_root / clip_rel)
            fields = {"clip_file": clip_rel}
            if poses:
                pose_rel = f"poses/{clip.pk}.npz"
                (media_root / "poses").mkdir(exist_ok=True)
                np.savez(
                    media_root / pose_rel,
                    keypoints=np.ones((6, 17, 3), np.float32),
                    layout="coco17",
                )
                fields |= {"pose_file": pose_rel, "pose_layout": "coco17", "pose_settings": POSES}
            Clip.objects.filter(pk=clip.pk).update(**fields)
    return project


def test_the_datasheet_reports_each_clips_stored_settings(media_root, tmp_path, tiny_mp4, settings):
    project = make_project(media_root, tiny_mp4, poses=True)
    # The exporting process is configured otherwise; none of this may reach the release.
    settings.POSE_LONG_EDGE = 641
    settings.POSE_CHECKPOINT = "/models/other-checkpoint.pkl"
    settings.FACE_BLUR_THRESHOLD = 0.75
    result = release_service.export(project, tmp_path, "truth", "1")
    assert result.problems == []
    folder = result.written.folder
    sheet = (folder / "README.md").read_text()
    assert "| poses | 6 | backend: openpifpaf, batch_size: 1, layout: coco17, long_edge: 321" in (
        sheet
    )
    assert (
        "| face blur | 4 | detector: centerface, kind: ellipse, mask_scale: 1.300, "
        "threshold: 0.200 |" in sheet
    )
    assert (
        "| face blur | 2 | detector: centerface, kind: ellipse, mask_scale: 1.300, "
        "threshold: 0.500 |" in sheet
    )
    assert "| verification | 6 | detector: mtcnn, min_face: 16, threshold: 0.900 |" in sheet
    for environment in ("641", "other-checkpoint", "0.750"):
        assert environment not in sheet
    assert "No poses" not in sheet
    # Which clip is in which row.
    groups = json.loads((folder / "stats" / "processing.json").read_text())["stages"]
    blur = [g for g in groups if g["stage"] == "face_blur"]
    assert [(g["clips"], g["settings"]["threshold"]) for g in blur] == [(4, 0.2), (2, 0.5)]
    assert blur[1]["clip_ids"] == ["0001_2", "0002_2"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "stats/processing.json" in {f["path"] for f in manifest["files"]}


def test_a_project_processed_without_poses_releases_clips_and_labels(
    media_root, tmp_path, tiny_mp4
):
    project = make_project(media_root, tiny_mp4, poses=False)
    result = release_service.export(project, tmp_path, "clips-only", "1")
    assert result.problems == []
    folder = result.written.folder
    assert len(list((folder / "clips").iterdir())) == 6 and not (folder / "poses").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["pose_files"] == 0 and manifest["labels_only"] is False
    sheet = (folder / "README.md").read_text()
    assert (
        "**No poses**: this release holds the clips and their labels (the project is "
        "processed without pose extraction); `poses/` is absent." in sheet
    )
    assert "| poses | 6 | none |" in sheet
    assert validate_release(folder) == []
    with pytest.raises(BaselineError, match="no skeletons"):
        check_inputs(folder, load_recipe("lstm"))


def test_skeleton_json_names_every_joint_and_edge_of_the_stored_layouts(
    media_root, tmp_path, tiny_mp4
):
    project = make_project(media_root, tiny_mp4, poses=True)
    folder = release_service.export(project, tmp_path, "skel", "1").written.folder
    layouts = json.loads((folder / "skeleton.json").read_text())["layouts"]
    assert set(layouts) == {"imigue22", "coco17"}
    assert layouts["coco17"]["joints"] == JOINTS["coco17"]
    assert len(layouts["coco17"]["edges"]) == 19
    assert len(layouts["imigue22"]["joints"]) == 22
