from fractions import Fraction
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.models import Labeler, Video
from annotator.segment_import import (
    SegmentImportError,
    eaf_tiers,
    eaf_video_id,
    parse_eaf,
    parse_segments_csv,
)
from annotator.services.segment_import import import_segments

from ._helpers import get_project, parse_fps


def get_labeler(name: str) -> Labeler:
    labeler = (
        Labeler.objects.select_related("user").filter(user__username=name).first()
        or Labeler.objects.select_related("user").filter(code=name).first()
    )
    if labeler is not None:
        return labeler
    from django.contrib.auth import get_user_model

    if get_user_model().objects.filter(username=name).exists():
        raise CommandError(f"user {name!r} is not a labeler (no Labeler row)")
    raise CommandError(f"no labeler with username or code {name!r}")


class Command(BaseCommand):
    help = (
        "Import one labeler's segments made in another tool (CSV video_id,start_frame,end_frame,"
        "category_code or an ELAN .eaf tier); each video is assigned to the labeler and submitted."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project", required=True)
        parser.add_argument("--labeler", required=True, help="username or labeler code")
        parser.add_argument("--format", choices=["csv", "eaf"], help="default: from the extension")
        parser.add_argument("--tier", help="eaf: tier to read (default: labeler code or username)")
        parser.add_argument("--video-id", help="eaf: default the media file's name stem")
        parser.add_argument("--fps", help="eaf: default the video's fps")
        parser.add_argument(
            "--replace", action="store_true", help="replace the labeler's existing segments"
        )

    def handle(self, file, project, labeler, replace=False, **options):
        target = get_project(project)
        who = get_labeler(labeler)
        path = Path(file)
        fmt = options.get("format") or {".csv": "csv", ".eaf": "eaf"}.get(path.suffix.lower())
        if fmt is None:
            raise CommandError(f"cannot tell the format of {path.name}; give --format csv|eaf")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            if fmt == "csv":
                segments = parse_segments_csv(text)
            else:
                segments = self._parse_eaf(text, target, who, options)
            report = import_segments(target, who, segments, source=path.name, replace=replace)
        except SegmentImportError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        self.stdout.write(f"imported {path.name} for {who.code} into project {target.name}")
        self.stdout.write(
            f"  videos: {len(report.videos)} ({report.assignments_created} newly assigned), "
            "all submitted"
        )
        self.stdout.write(f"  segments imported: {report.imported}")
        if report.unchanged:
            self.stdout.write(f"  already imported (unchanged): {report.unchanged}")
        if report.replaced:
            self.stdout.write(f"  replaced (soft-deleted): {report.replaced}")
        self.stdout.write(f"  duplicates skipped: {report.duplicates_skipped}")
        for seg in report.duplicates[:10]:
            self.stdout.write(
                f"    {seg.place}: video {seg.video_id} [{seg.start_frame}, {seg.end_frame}] "
                f"{seg.category_label}"
            )
        self.stdout.write(f"  same-category overlaps: {report.same_category_overlaps}")

    def _parse_eaf(self, text, project, labeler, options):
        tier = options.get("tier")
        if not tier:
            tiers = eaf_tiers(text)
            tier = next(
                (t for t in (labeler.code, labeler.user.username) if t in tiers), labeler.code
            )
        video_id = options.get("video_id") or eaf_video_id(text)
        if options.get("fps"):
            fps = parse_fps(options["fps"])
        else:
            video = Video.objects.filter(project=project, external_id=video_id).first()
            fps = Fraction(25)
            if video is not None and video.fps_fraction:
                fps = parse_fps(video.fps_fraction)
            elif video is not None and video.fps:
                fps = Fraction(str(video.fps))
        return parse_eaf(text, tier, fps=fps, video_id=video_id)
