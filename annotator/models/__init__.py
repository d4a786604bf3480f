"""The domain model of docs/design.md §3, one module per concern."""

from .history import AppendOnlyError, AppendOnlyModel
from .labeling import Assignment, Labeler, Segment, SegmentHistory
from .project import Category, Project, Subject, Upload, Video
from .proposals import Proposal, ProposalRejection
from .release import BaselineRun, Release
from .review import AgreementRun, Clip, Disagreement, ReviewDecision, ReviewDecisionHistory
from .training import Guideline, ReferenceSegment, TrainingItem, TrainingRound

__all__ = [
    "AgreementRun",
    "AppendOnlyError",
    "AppendOnlyModel",
    "Assignment",
    "BaselineRun",
    "Category",
    "Clip",
    "Disagreement",
    "Guideline",
    "Labeler",
    "Project",
    "Proposal",
    "ProposalRejection",
    "ReferenceSegment",
    "Release",
    "ReviewDecision",
    "ReviewDecisionHistory",
    "Segment",
    "SegmentHistory",
    "Subject",
    "TrainingItem",
    "TrainingRound",
    "Upload",
    "Video",
]
