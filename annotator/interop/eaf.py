"""ELAN ``.eaf`` per video, written with pympi-ling. Pure (no Django).

One time-aligned tier per labeler plus a ``consensus`` tier; every tier uses one linguistic type
whose controlled vocabulary is the taxonomy (entry value = the code, e.g. ``12`` or ``99``;
description = the category's name), so an annotation's value is what
``annotator.segment_import.parse_eaf`` reads back as the category code.

Times: ``t_start = ceil(start × 1000 / fps)`` ms, ``t_end = ceil((end + 1) × 1000 / fps)`` ms
(the end is exclusive in ELAN), which parse_eaf turns back into the same frames at any fps up to
1000. The header date is fixed so the same state gives the same bytes.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from pympi.Elan import Eaf, to_adocument

CONSENSUS = "consensus"
CV_ID = "taxonomy"
LINGUISTIC_TYPE = "micro-gesture"
FIXED_DATE = "1970-01-01T00:00:00+00:00"

Segment = tuple[int, int, int]  # (start_frame, end_frame inclusive, category code)


def frames_to_ms(start: int, end: int, fps: Fraction | float | int) -> tuple[int, int]:
    rate = fps if isinstance(fps, Fraction) else Fraction(str(fps))
    return math.ceil(Fraction(start * 1000) / rate), math.ceil(Fraction((end + 1) * 1000) / rate)


def build_eaf(
    video_id: str,
    tiers: Mapping[str, Iterable[Segment]],
    vocabulary: Sequence[tuple[int, str]],
    *,
    fps: Fraction | float | int = 25,
    media_name: str | None = None,
    author: str = "MG Studio",
) -> bytes:
    """The ``.eaf`` document (UTF-8 bytes) of one video.

    ``tiers`` maps a tier id (a labeler's code, and ``consensus``) to its segments, in the order
    the tiers should appear; ``vocabulary`` is the taxonomy as ``(code, name)`` pairs.
    """
    eaf = Eaf(author=author)
    eaf.adocument["DATE"] = FIXED_DATE
    eaf.remove_tier("default")
    eaf.remove_linguistic_type("default-lt")
    eaf.add_language("eng", lang_label="English")
    eaf.add_controlled_vocabulary(CV_ID)
    eaf.add_cv_description(CV_ID, "eng", "Micro-gesture categories (taxonomy code and name)")
    for code, name in vocabulary:
        eaf.add_cv_entry(CV_ID, f"cve_{code}", [(str(code), "eng", name)])
    eaf.add_linguistic_type(
        LINGUISTIC_TYPE,
        param_dict={
            "LINGUISTIC_TYPE_ID": LINGUISTIC_TYPE,
            "TIME_ALIGNABLE": "true",
            "GRAPHIC_REFERENCES": "false",
            "CONTROLLED_VOCABULARY_REF": CV_ID,
        },
    )
    media = media_name or f"{video_id}.mp4"
    eaf.add_linked_file(f"file:///{media}", relpath=f"./{media}", mimetype="video/mp4")
    known = {code for code, _ in vocabulary}
    for tier_id, segments in tiers.items():
        eaf.add_tier(tier_id, ling=LINGUISTIC_TYPE)
        for start, end, code in sorted(segments):
            if code not in known:
                raise ValueError(f"tier {tier_id}: category code {code} is not in the taxonomy")
            t_start, t_end = frames_to_ms(start, end, fps)
            eaf.add_annotation(tier_id, t_start, t_end, str(code))
    root = to_adocument(eaf, pretty=True)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
