from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.services.interop import FORMATS, export_labels

from ._helpers import get_project


def _ids(text):
    return {part.strip() for part in text.split(",") if part.strip()} if text else None


class Command(BaseCommand):
    help = (
        "Write a project's clips for other tools: imigue (labels.csv, iMiGUE's columns), miga "
        "(<VVVV>_label.csv per video), eaf (<video>.eaf per video: one tier per labeler's "
        "submitted segments + 'consensus' = the clips) or pyskl (poses.pkl of clips' poses)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--out", required=True, metavar="DIR")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--train-subjects",
            metavar="IDS",
            help="pyskl: comma-separated subject ids of xsub_train (default: every clip)",
        )
        parser.add_argument(
            "--val-subjects",
            metavar="IDS",
            help="pyskl: subject ids of xsub_val (default: every subject not in training)",
        )

    def handle(self, project, out, fmt, train_subjects=None, val_subjects=None, **_):
        target = get_project(project)
        try:
            report = export_labels(
                target,
                Path(out),
                fmt,
                train_subjects=_ids(train_subjects),
                val_subjects=_ids(val_subjects),
            )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"exported {report.clips} clip(s) of project {target.name} as {fmt}: "
            f"{len(report.files)} file(s) in {out}"
        )
        if report.skipped:
            shown = "; ".join(report.skipped[:5])
            self.stdout.write(f"  left out: {len(report.skipped)} ({shown})")
