"""Interoperability with other micro-gesture tools and datasets. Pure: no Django.

- :mod:`.imigue`: iMiGUE's label table (read, write byte-identically) and raw per-video label
  files (``start_sec<TAB>end_sec<TAB>class``), frames by ``floor(t × 25)`` (docs/design.md §4).
- :mod:`.miga`: MiGA-style per-video ``<VVVV>_label.csv``.
- :mod:`.eaf`: ELAN ``.eaf`` per video (pympi-ling): one tier per labeler + ``consensus``.
- :mod:`.pyskl`: a PYSKL-style pickle of clips' poses.

The Django side (reading a project, writing files, ``import_imigue`` / ``export_labels``) is
``annotator.services.interop``.
"""

from .imigue import (
    COLUMNS,
    FPS,
    InteropError,
    LabelRow,
    clip_id,
    format_seconds,
    frame_seconds,
    id_sort_key,
    number_labels,
    parse_imigue_csv,
    parse_raw_labels,
    raw_label_video_id,
    seconds_to_frame,
    time_mismatches,
    video_key,
    write_imigue_csv,
    write_raw_labels,
)

__all__ = [
    "COLUMNS",
    "FPS",
    "InteropError",
    "LabelRow",
    "clip_id",
    "format_seconds",
    "frame_seconds",
    "id_sort_key",
    "number_labels",
    "parse_imigue_csv",
    "parse_raw_labels",
    "raw_label_video_id",
    "seconds_to_frame",
    "time_mismatches",
    "video_key",
    "write_imigue_csv",
    "write_raw_labels",
]
