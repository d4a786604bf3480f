"""Where a clip came from, said with labeler codes and frames rather than segment ids: the
labelers' segments behind a matched pair, or behind the disagreement a reviewer kept. Read for
a page of clips at once (two queries, whatever the page's size)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotator.models import Clip, Disagreement, Segment


@dataclass(frozen=True)
class Member:
    """One labeler's segment behind a clip."""

    labeler: str
    start_frame: int
    end_frame: int
    category: int


def _member(segment: Segment) -> Member:
    return Member(
        segment.assignment.labeler.code,
        segment.start_frame,
        segment.end_frame,
        segment.category.code,
    )


def members_of(clips: Iterable[Clip]) -> dict[int, list[Member]]:
    """clip pk → the labelers' segments behind it, in labeler order (imported clips: none)."""
    clips = list(clips)
    uuids = {u for c in clips for u in (c.provenance or {}).get("segments") or []}
    disagreements = {
        (c.provenance or {}).get("disagreement")
        for c in clips
        if (c.provenance or {}).get("disagreement") is not None
    }
    related = ("assignment__labeler", "category")
    by_uuid = {
        str(s.client_uuid): s
        for s in Segment.objects.filter(client_uuid__in=uuids).select_related(*related)
    }
    by_disagreement = {
        d.pk: [s for s in (d.segment_i, d.segment_j) if s is not None]
        for d in Disagreement.objects.filter(pk__in=disagreements).select_related(
            *(f"{side}__{r}" for side in ("segment_i", "segment_j") for r in related)
        )
    }
    out: dict[int, list[Member]] = {}
    for clip in clips:
        p = clip.provenance or {}
        segments = [by_uuid[u] for u in p.get("segments") or [] if u in by_uuid]
        if not segments and p.get("disagreement") is not None:
            segments = by_disagreement.get(p["disagreement"], [])
        out[clip.pk] = sorted((_member(s) for s in segments), key=lambda m: m.labeler)
    return out
