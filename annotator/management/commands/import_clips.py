from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.services.clip_import import ClipImportError, import_clip_table, parse_clip_table

from ._helpers import get_project, parse_fps


class Command(BaseCommand):
    help = (
        "Import finished clips from a dataset's label table (iMiGUE's columns video_id, "
        "start_frame, end_frame, class, subject_id, ...; class 99 = C32) as origin 'imported', "
        "status 'agreed'; missing videos are created as labels-only rows. Re-running is a no-op."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project", required=True)
        parser.add_argument(
            "--video",
            action="append",
            dest="videos",
            metavar="VIDEO_ID",
            help="import only this video's rows (repeatable; default: every row)",
        )
        parser.add_argument("--fps", default="25", help="the table's frame rate (default 25)")

    def handle(self, file, project, videos=None, fps="25", **_):
        target = get_project(project)
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            rows = parse_clip_table(text, set(videos) if videos else None)
            if videos and not rows:
                raise ClipImportError(f"no rows for video(s) {', '.join(videos)}")
            report = import_clip_table(target, rows, source=path.name, fps=parse_fps(fps))
        except ClipImportError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        self.stdout.write(f"imported {path.name} into project {target.name}: {report.rows} rows")
        self.stdout.write(f"  clips created: {report.clips_created}")
        self.stdout.write(f"  already imported (unchanged): {report.clips_unchanged}")
        if report.duplicates:
            self.stdout.write(f"  duplicate rows skipped: {report.duplicates}")
        self.stdout.write(
            f"  videos created (labels only): {len(report.videos_created)}; "
            f"subjects created: {len(report.subjects_created)}"
        )
