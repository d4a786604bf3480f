"""Inter-labeler agreement, exactly as docs/design.md §6 defines it. Pure: no Django import.

Callers (the AgreementRun service, `manage.py reliability`, the dashboard) turn rows into
`Segment`s, call these functions and store the results with `RULE_VERSION` and θ; keeping the
rules out of the ORM lets them be tested exhaustively and run on 2 × 18,500 segments in well
under a second.

- `compare_video`: the optimal one-to-one matching of one video's two labelings, M, R and the
  four kinds of disagreement.
- `compare_project`: every labeler pair on every shared video; pooled R_pair and R_avg.
- `pool`, `r_avg`, `r_per_category`, `r_curve` (R(θ)), `boundary_deltas`: the derived figures.
- `frame_kappa`, `pooled_frame_kappa`: frame-level Cohen's κ (co-occurrence: see `kappa`).
"""

from .consensus import RULES as CONSENSUS_RULES
from .consensus import consensus_bounds
from .core import DEFAULT_THETA, RULE_VERSION, THETA_GRID, Segment, r_value, tiou
from .kappa import frame_kappa, frame_labels, pooled_frame_kappa
from .matching import (
    Disagreement,
    DisagreementKind,
    Match,
    VideoAgreement,
    assign,
    compare_video,
    matches_by_theta,
)
from .pooling import (
    BoundaryDeltas,
    DeltaStats,
    PairAgreement,
    Pooled,
    ProjectAgreement,
    ThetaPoint,
    VideoPairAgreement,
    boundary_deltas,
    compare_project,
    pool,
    r_avg,
    r_curve,
    r_per_category,
)

__all__ = [
    "CONSENSUS_RULES",
    "consensus_bounds",
    "DEFAULT_THETA",
    "RULE_VERSION",
    "THETA_GRID",
    "BoundaryDeltas",
    "DeltaStats",
    "Disagreement",
    "DisagreementKind",
    "Match",
    "PairAgreement",
    "Pooled",
    "ProjectAgreement",
    "Segment",
    "ThetaPoint",
    "VideoAgreement",
    "VideoPairAgreement",
    "assign",
    "boundary_deltas",
    "compare_project",
    "compare_video",
    "frame_kappa",
    "frame_labels",
    "matches_by_theta",
    "pool",
    "pooled_frame_kappa",
    "r_avg",
    "r_curve",
    "r_per_category",
    "r_value",
    "tiou",
]
