"""Which clips a project's release holds (docs/design.md §10), and why a release is refused.

:func:`eligible_clips` freezes what goes in: every clip processed with a passed privacy
verification — or, for a labels-only project (all clips imported, none with a clip file), the
imported clips. Anything else refuses the release with :class:`ReleaseError` listing the clips.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from annotator.errors import DomainError
from annotator.models import Clip, Project

__all__ = [
    "NAME_RE",
    "UNKNOWN_SUBJECT",
    "Eligible",
    "ReleaseError",
    "eligible_clips",
    "releases_root",
]

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
UNKNOWN_SUBJECT = "unknown"
_LIST_LIMIT = 50  # clips named in a refusal; the count is always given


class ReleaseError(DomainError, ValueError):
    """The project cannot be released as asked; ``clips`` are the clips at fault (if any),
    listed by id in the refusal so the page can point at them, and ``reasons`` (clip → why)
    group them: one line per reason, not the same sentence once per clip."""

    code = "release_refused"

    def __init__(
        self,
        message: str,
        clips: Sequence[Clip] = (),
        *,
        code: str | None = None,
        reasons: dict[Clip, str] | None = None,
    ):
        super().__init__(message, code=code)
        self.clips = list(clips)
        self.reasons = reasons or {}

    def fields(self) -> dict:
        groups: dict[str, list[dict]] = {}
        for clip in self.clips:
            groups.setdefault(self.reasons.get(clip, ""), []).append(
                {
                    "id": clip.pk,
                    "video": clip.video.external_id,
                    "start_frame": clip.start_frame,
                    "end_frame": clip.end_frame,
                    "category": clip.category.code,
                }
            )
        return {
            "clips": [c.pk for c in self.clips],
            "groups": [{"reason": why, "clips": rows} for why, rows in groups.items()],
        }


def releases_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "releases"


# --- what goes in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligible:
    clips: list[Clip]
    labels_only: bool


def _verified(clip: Clip) -> bool:
    return bool(clip.privacy) and clip.privacy.get("passed") is True


def _describe(clip: Clip) -> str:
    return (
        f"clip {clip.pk} (video {clip.video.external_id} [{clip.start_frame}, "
        f"{clip.end_frame}] C{clip.category.code})"
    )


def _problem(clip: Clip) -> str | None:
    if clip.privacy and clip.privacy.get("passed") is False:
        reasons = "; ".join(clip.privacy.get("problems") or []) or "no reason recorded"
        return f"failed privacy verification: {reasons}"
    if clip.status != Clip.Status.PROCESSED:
        why = f": {clip.error}" if clip.error else ""
        return f"not processed (status {clip.status}){why}"
    if not _verified(clip):
        return "processed but its privacy verification is missing"
    if not clip.clip_file or not (Path(settings.MEDIA_ROOT) / clip.clip_file).is_file():
        return "processed but its clip file is missing"
    if clip.pose_file and not (Path(settings.MEDIA_ROOT) / clip.pose_file).is_file():
        return "its pose file is missing"
    return None


def _clips_of(project: Project, pks: Iterable[int] | None = None):
    qs = Clip.objects.filter(project=project)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    return list(
        qs.select_related("video__subject", "category").order_by(
            "video_id", "start_frame", "end_frame", "pk"
        )
    )


def eligible_clips(project: Project, pks: Iterable[int] | None = None) -> Eligible:
    """The clips a release of ``project`` holds now (``pks``: only those, e.g. a frozen set).

    Every clip must be processed with a passed privacy verification and its files present;
    otherwise :class:`ReleaseError` lists each clip at fault with the reason. A project whose
    clips are all imported without clip files is released labels-only (poses where imported).
    """
    clips = _clips_of(project, pks)
    if not clips:
        raise ReleaseError(f"project {project.name} has no clips to release", code="no_clips")
    if all(c.origin == Clip.Origin.IMPORTED and not c.clip_file for c in clips):
        missing = [
            c
            for c in clips
            if c.pose_file and not (Path(settings.MEDIA_ROOT) / c.pose_file).is_file()
        ]
        if missing:
            raise ReleaseError(
                _listing(
                    "pose files are missing for", missing, lambda c: "its pose file is missing"
                ),
                missing,
                code="clips_not_releasable",
                reasons=dict.fromkeys(missing, "its pose file is missing"),
            )
        return Eligible(clips, True)
    bad = [(c, p) for c in clips if (p := _problem(c))]
    if bad:
        failed = sum(1 for c, _ in bad if c.privacy and c.privacy.get("passed") is False)
        head = (
            f"{len(bad)} of {len(clips)} clips of project {project.name} cannot be released "
            f"({failed} failed privacy verification); process or fix them first:"
        )
        reasons = dict(bad)
        raise ReleaseError(
            _listing(head, [c for c, _ in bad], reasons.__getitem__),
            [c for c, _ in bad],
            code="clips_not_releasable",
            reasons=reasons,
        )
    return Eligible(clips, False)


def _listing(head: str, clips: Sequence[Clip], reason: Callable[[Clip], str]) -> str:
    lines = [head] + [f"  {_describe(c)}: {reason(c)}" for c in clips[:_LIST_LIMIT]]
    if len(clips) > _LIST_LIMIT:
        lines.append(f"  … and {len(clips) - _LIST_LIMIT} more")
    return "\n".join(lines)
