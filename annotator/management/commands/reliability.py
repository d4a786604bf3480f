import json

from django.core.management.base import BaseCommand, CommandError

from annotator.services.agreement import record_run, run_payload

from ._helpers import get_project


def _fmt(value) -> str:
    return "   –  " if value is None else f"{value:6.3f}"


class Command(BaseCommand):
    help = (
        "Compute inter-labeler reliability R (docs/design.md §6) on the project's submitted "
        "videos, record it as an agreement run, and print the R matrix, R_avg, per-video R and the "
        "disagreements by type (--json: the run as docs/agreement.md describes it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--theta", type=float, help="tIoU threshold (default: the project's)")
        parser.add_argument("--json", action="store_true", help="print the run as JSON")

    def handle(self, project, theta, json: bool, **_):
        target = get_project(project)
        if theta is not None and not 0 < theta <= 1:
            raise CommandError(f"--theta must be in (0, 1], not {theta}")
        run = record_run(target, theta, trigger="command")
        payload = run_payload(run)
        if json:
            self.stdout.write(_dumps(payload))
            return
        self.print_table(payload)

    def print_table(self, p: dict) -> None:
        out = self.stdout.write
        out(f"θ = {p['theta']}  rule {p['rule_version']}  run #{p['id']}")
        out(f"{p['videos']} video comparisons, {p['segments']} segments, {p['matches']} matches")
        if not p["per_pair"]:
            out("No video has been submitted by two labelers yet.")
            return
        labelers = sorted(
            {x["labeler_i"] for x in p["per_pair"]} | {x["labeler_j"] for x in p["per_pair"]}
        )
        r = {}
        for pair in p["per_pair"]:
            r[pair["labeler_i"], pair["labeler_j"]] = r[pair["labeler_j"], pair["labeler_i"]] = pair
        out("\nR per labeler pair (shared videos):")
        out("        " + "".join(f"{code:>14}" for code in labelers))
        for a in labelers:
            cells = []
            for b in labelers:
                pair = r.get((a, b))
                cells.append(
                    f"{'':>14}" if pair is None else f"{_fmt(pair['r'])} ({pair['videos']:>4})"
                )
            out(f"{a:>8}" + "".join(cells))
        out(f"\nR_avg = {_fmt(p['r_avg']).strip()}   frame κ = {_fmt(p['frame_kappa']).strip()}")
        split = p.get("by_origin")
        if split and split["proposal"]["segments"]:  # docs/agreement.md, "R by origin"
            part = {
                k: f"{_fmt(split[k]['r_avg']).strip()} ({split[k]['segments']} segments)"
                for k in ("proposal", "manual")
            }
            out(
                f"R_avg of segments begun as proposals = {part['proposal']}, "
                f"marked by hand = {part['manual']}"
            )
        out("\nDisagreements: " + ", ".join(f"{k} {n}" for k, n in p["disagreements"].items()))
        out("\nR per video (worst first):")
        for v in sorted(p["per_video"], key=lambda v: (v["r"] is None, v["r"] or 0)):
            counts = ", ".join(f"{k} {n}" for k, n in v["disagreements"].items() if n)
            out(
                f"  {v['video']:>10} {v['labeler_i']}-{v['labeler_j']}  R {_fmt(v['r'])}  "
                f"M {v['m']}  n {v['n_i']}+{v['n_j']}" + (f"  ({counts})" if counts else "")
            )


def _dumps(payload: dict) -> str:
    return json.dumps(payload, indent=2, sort_keys=True)
