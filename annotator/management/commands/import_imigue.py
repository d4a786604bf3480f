from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.interop import InteropError, id_sort_key, time_mismatches
from annotator.services.clip_import import ClipImportError
from annotator.services.interop import (
    import_imigue_table,
    import_raw_labels,
    raw_label_files,
    skeleton_source,
)
from annotator.services.pose_import import import_video_poses
from pipeline.openpose import DEFAULT_SIZE, OpenPoseError, load_openpose

from ._helpers import get_project
from ._proposals import run_proposal_jobs


class Command(BaseCommand):
    help = (
        "Import iMiGUE's label table (video_id,label_id,start_time,start_frame,...,win_or_lose; "
        "class 99 = C32) as clips of origin 'imported' with subjects and win/lose, optionally its "
        "raw per-video label files (start_sec<TAB>end_sec<TAB>class, frames = floor(t x 25)) and "
        "OpenPose skeletons as the clips' poses. Re-running changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", help="the label table, e.g. labels_20200831.csv")
        parser.add_argument("--project", required=True)
        parser.add_argument(
            "--skeletons",
            metavar="FOLDER",
            help="OpenPose output: <video>/ folders of <video>_<frame>_keypoints.json, "
            "<video>.npz files, or such JSON files directly in FOLDER",
        )
        parser.add_argument(
            "--raw-labels",
            metavar="FOLDER",
            help="per-video raw label files (*.txt; the video id is the name's trailing digits)",
        )
        parser.add_argument(
            "--video",
            action="append",
            dest="videos",
            metavar="VIDEO_ID",
            help="import only this video (repeatable; default: every video)",
        )

    def handle(self, csv, project, skeletons=None, raw_labels=None, videos=None, **_):
        target = get_project(project)
        path = Path(csv)
        wanted = set(videos) if videos else None
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {csv}: {exc}") from exc
        try:
            report, rows = import_imigue_table(target, text, source=path.name, videos=wanted)
        except (ClipImportError, InteropError) as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        self.stdout.write(f"imported {path.name} into project {target.name}: {report.rows} rows")
        self.stdout.write(f"  clips created: {report.clips_created}")
        self.stdout.write(f"  already imported (unchanged): {report.clips_unchanged}")
        self.stdout.write(
            f"  videos created (labels only): {len(report.videos_created)}; "
            f"subjects created: {len(report.subjects_created)}"
        )
        bad = time_mismatches(rows)
        if bad:
            self.stderr.write(
                f"  warning: {len(bad)} row(s) whose seconds do not give their frames by "
                f"floor(t x 25) (lines {', '.join(map(str, bad[:10]))}); frames were kept"
            )
        touched = {r.video_id for r in rows}
        if raw_labels:
            touched |= self._raw(target, Path(raw_labels), rows, wanted)
        if skeletons:
            self._skeletons(target, Path(skeletons), touched)

    def _raw(self, project, folder, rows, wanted):
        if not folder.is_dir():
            raise CommandError(f"{folder}: not a directory")
        try:
            files = raw_label_files(folder)
        except InteropError as exc:
            raise CommandError(str(exc)) from exc
        created = unchanged = 0
        seen = set()
        for video_id, path in files:
            if wanted is not None and video_id not in wanted:
                continue
            try:
                report = import_raw_labels(
                    project,
                    video_id,
                    path.read_text(encoding="utf-8-sig"),
                    source=path.name,
                    table=rows,
                )
            except (ClipImportError, InteropError, OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path.name}: {exc}") from exc
            created += report.clips_created
            unchanged += report.clips_unchanged
            seen.add(video_id)
        self.stdout.write(
            f"raw label files: {len(seen)} video(s); clips created: {created}, "
            f"already there: {unchanged}"
        )
        return seen

    def _skeletons(self, project, folder, video_ids):
        if not folder.is_dir():
            raise CommandError(f"{folder}: not a directory")
        videos = {v.external_id: v for v in project.videos.filter(external_id__in=video_ids)}
        written = unchanged = 0
        missing, refused, proposal_jobs = [], [], []
        for video_id in sorted(videos, key=id_sort_key):
            video = videos[video_id]
            found = skeleton_source(folder, video_id)
            if found is None:
                missing.append(video_id)
                continue
            source, prefix = found
            size = (video.width or DEFAULT_SIZE[0], video.height or DEFAULT_SIZE[1])
            try:
                skeletons = load_openpose(source, video=prefix, width=size[0], height=size[1])
            except OpenPoseError as exc:
                raise CommandError(f"video {video_id}: {exc}") from exc
            report = import_video_poses(video, skeletons, source=source.name)
            proposal_jobs.append(report.proposals_job)
            written += len(report.written)
            unchanged += len(report.unchanged)
            for clip, reason in report.refused:
                refused.append(clip)
                self.stderr.write(
                    f"  video {video_id}: refused clip {clip.pk} "
                    f"[{clip.start_frame}, {clip.end_frame}]: {reason}"
                )
        self.stdout.write(
            f"skeletons: {len(videos) - len(missing)} video(s); poses written: {written}, "
            f"unchanged: {unchanged}"
        )
        if missing:
            self.stdout.write(
                f"  no skeletons for {len(missing)} video(s): {', '.join(missing[:20])}"
            )
        run_proposal_jobs(self, proposal_jobs, "import_imigue")
        if refused:
            raise CommandError(
                f"{len(refused)} clip(s) refused: they end past their skeletons (the others "
                "were imported)"
            )
