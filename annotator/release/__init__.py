"""The pure core of a dataset release (docs/design.md §10): splits, clip ids, writer, validator,
datasheet. No Django import anywhere in this package: the export command and the API turn the
project's models into plain rows and call these functions."""

from .chart import class_distribution_png
from .clip_ids import assign_clip_ids, clip_id, clip_order_key
from .datasheet import ReleaseSpec, class_distribution, render_datasheet
from .splits import (
    ClassPresence,
    CrossSubjectSplit,
    EmotionSplit,
    ProtocolLists,
    cross_subject_from_lists,
    emotion_from_lists,
    generate_cross_subject,
    generate_emotion,
    parse_protocol,
)
from .validate import Problem, validate_release
from .writer import WrittenRelease, write_release, write_tar

__all__ = [
    "ClassPresence",
    "CrossSubjectSplit",
    "EmotionSplit",
    "Problem",
    "ProtocolLists",
    "ReleaseSpec",
    "WrittenRelease",
    "assign_clip_ids",
    "class_distribution",
    "class_distribution_png",
    "clip_id",
    "clip_order_key",
    "cross_subject_from_lists",
    "emotion_from_lists",
    "generate_cross_subject",
    "generate_emotion",
    "parse_protocol",
    "render_datasheet",
    "validate_release",
    "write_release",
    "write_tar",
]
