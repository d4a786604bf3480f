"""Glue between each job kind and the domain service that does the work (docs/design.md §13).

Importing this package registers every handler; ``AnnotatorConfig.ready()`` does it in every
process that loads Django, so the web enqueues by kind and workers find the work.
"""

from . import (  # noqa: F401
    agreement,
    baselines,
    clips,
    ingest,
    label_exports,
    proposals,
    releases,
    video_poses,
)
