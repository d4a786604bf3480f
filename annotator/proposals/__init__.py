"""Machine proposals: where in a video a labeler should look for micro-gestures. Pure: no Django.

- `activity`: one number per frame from a person's 22-joint skeleton, high where the hands,
  elbows or head leave the pose the person keeps at rest (docs/design.md §17).
- `propose`: candidate segments (first frame, last frame, score) from that signal, with
  hysteresis and duration limits learnt from the iMiGUE label table.
- `evaluate`: class-agnostic precision, recall and F1 at a tIoU threshold, recall of the labelled
  gestures within the top-k proposals, and the share of the video the proposals cover.
"""

from .detect import DEFAULT_SETTINGS, Proposal, ProposalSettings, propose
from .evaluate import Evaluation, evaluate
from .signals import activity

__all__ = [
    "DEFAULT_SETTINGS",
    "Evaluation",
    "Proposal",
    "ProposalSettings",
    "activity",
    "evaluate",
    "propose",
]
