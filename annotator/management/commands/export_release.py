from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.models import Release
from annotator.services.release import ReleaseError, SplitOptions, write_release_row

from ._helpers import get_project


def _ids(text: str | None) -> list[str] | None:
    return None if text is None else [x for x in text.replace(",", " ").split() if x]


class Command(BaseCommand):
    help = (
        "Write a dataset release (docs/design.md §10) of a project's processed, privacy-verified "
        "clips (or of its imported labels: a labels-only release) into DIR as "
        "<name>-<version>/ and <name>-<version>.tar + .sha256, synchronously. Refuses, listing the "
        "clips, if any clip failed verification or is not processed. Rerunning resumes and is "
        "byte-identical for the same project state."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The release's --version replaces Django's (which prints Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--out", required=True, help="folder to write into")
        parser.add_argument("--name", help="release name (default: the project's name)")
        parser.add_argument("--version", dest="release_version", default="1.0")
        parser.add_argument(
            "--protocol",
            help="iMiGUE-style evaluation protocol text: both "
            "splits from its subject and video lists",
        )
        parser.add_argument("--train-subjects", help="comma/space separated subject ids")
        parser.add_argument("--test-subjects")
        parser.add_argument("--train-videos", help="comma/space separated video ids")
        parser.add_argument("--test-videos")
        parser.add_argument("--seed", type=int, default=0, help="seed of generated splits")
        parser.add_argument("--test-fraction", type=float, default=0.25)
        parser.add_argument("--licence", default="")

    def handle(
        self,
        project,
        out,
        name=None,
        release_version="1.0",
        protocol=None,
        seed=0,
        test_fraction=0.25,
        licence="",
        **opts,
    ):
        target = get_project(project)
        name = name or target.name
        text = None
        if protocol:
            try:
                text = Path(protocol).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {protocol}: {exc}") from exc
        splits = SplitOptions(
            protocol_text=text,
            train_subjects=_ids(opts.get("train_subjects")),
            test_subjects=_ids(opts.get("test_subjects")),
            train_videos=_ids(opts.get("train_videos")),
            test_videos=_ids(opts.get("test_videos")),
            seed=seed,
            test_fraction=test_fraction,
        )
        release = Release.objects.filter(project=target, name=name, version=release_version).first()
        if release is None:
            release = Release(project=target, name=name, version=release_version)
        release.config = {"splits": splits.to_json(), "licence": licence}
        release.save()
        release.clips.clear()  # the command freezes the project's current state
        try:
            result = write_release_row(release, out_dir=out)
        except ReleaseError as exc:
            Release.objects.filter(pk=release.pk).update(
                status=Release.Status.FAILED, error=str(exc)
            )
            raise CommandError(str(exc)) from exc
        w = result.written
        kind = " (labels only)" if result.spec.labels_only else ""
        self.stdout.write(
            f"release {release}{kind}: {release.clip_count} clips, "
            f"{release.pose_count} poses, {release.video_count} videos, "
            f"{release.subject_count} subjects"
        )
        self.stdout.write(f"folder: {w.folder}")
        self.stdout.write(f"tar: {w.tar}")
        self.stdout.write(f"sha256: {w.tar_sha256}")
        if result.problems:
            for line in result.problems:
                self.stderr.write(f"  {line}")
            raise CommandError(
                f"the written release has {len(result.problems)} problem(s): "
                + "; ".join(result.problems[:5])
            )
