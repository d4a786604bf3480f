"""Shapes of the API's JSON, one module per area; every response is typed here (services
return models and plain dataclasses). Validation rules live in annotator.services."""

from .accounts import (
    LabelerCreateSerializer,
    LabelerSerializer,
    MeSerializer,
    ShortcutsSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from .agreement import (
    AgreementReportSerializer,
    AgreementRequestSerializer,
    AgreementRunHeaderSerializer,
    ReviewQueueRowSerializer,
)
from .assignments import (
    AssignmentSerializer,
    BookmarkSerializer,
    ReassignSerializer,
    WorkspaceSerializer,
)
from .baselines import (
    BaselineRunRequestSerializer,
    BaselineRunSerializer,
    BaselineRunStartedSerializer,
)
from .clips import ClipSerializer, ClipSummarySerializer
from .common import (
    ErrorSerializer,
    JobSerializer,
    JobStartedSerializer,
    JobSummarySerializer,
    UploadOffsetErrorSerializer,
)
from .projects import (
    AssignedSerializer,
    CategorySerializer,
    ImportSerializer,
    ProcessingSummarySerializer,
    ProcessStartedSerializer,
    ProjectSerializer,
    TaxonomyLoadedSerializer,
)
from .proposals import ProposalJobsSerializer, ProposalSerializer, VideoProposalsSerializer
from .releases import ReleaseRequestSerializer, ReleaseSerializer, ReleaseStartedSerializer
from .review import (
    DecisionRequestSerializer,
    ReviewClosedSerializer,
    ReviewDecisionSerializer,
    VideoReviewSerializer,
)
from .segments import SavedSegmentSerializer, SegmentSerializer, SegmentWriteSerializer
from .training import (
    GuidelineRequestSerializer,
    GuidelineSerializer,
    ReferenceRequestSerializer,
    ReferenceSegmentSerializer,
    RoundComparisonSerializer,
    RoundCreateSerializer,
    RoundStatusSerializer,
    SampleCandidateSerializer,
    TrainingResultsSerializer,
)
from .videos import (
    LabelerVideoSerializer,
    SubjectSerializer,
    UploadCompletedSerializer,
    UploadCreateSerializer,
    UploadReceivedSerializer,
    UploadSerializer,
    VideoMetadataSerializer,
    VideoSerializer,
)

__all__ = [
    "AgreementReportSerializer",
    "AgreementRequestSerializer",
    "AgreementRunHeaderSerializer",
    "AssignedSerializer",
    "AssignmentSerializer",
    "BaselineRunRequestSerializer",
    "BaselineRunSerializer",
    "BaselineRunStartedSerializer",
    "BookmarkSerializer",
    "CategorySerializer",
    "ClipSerializer",
    "ClipSummarySerializer",
    "DecisionRequestSerializer",
    "ErrorSerializer",
    "GuidelineRequestSerializer",
    "GuidelineSerializer",
    "ImportSerializer",
    "JobSerializer",
    "JobStartedSerializer",
    "JobSummarySerializer",
    "LabelerCreateSerializer",
    "LabelerSerializer",
    "LabelerVideoSerializer",
    "MeSerializer",
    "ProcessStartedSerializer",
    "ProcessingSummarySerializer",
    "ProjectSerializer",
    "ProposalJobsSerializer",
    "ProposalSerializer",
    "ReassignSerializer",
    "ReferenceRequestSerializer",
    "ReferenceSegmentSerializer",
    "ReleaseRequestSerializer",
    "ReleaseSerializer",
    "ReleaseStartedSerializer",
    "ReviewClosedSerializer",
    "ReviewDecisionSerializer",
    "ReviewQueueRowSerializer",
    "RoundComparisonSerializer",
    "RoundCreateSerializer",
    "RoundStatusSerializer",
    "SampleCandidateSerializer",
    "SavedSegmentSerializer",
    "SegmentSerializer",
    "SegmentWriteSerializer",
    "ShortcutsSerializer",
    "SubjectSerializer",
    "TaxonomyLoadedSerializer",
    "TokenRequestSerializer",
    "TokenSerializer",
    "TrainingResultsSerializer",
    "UploadCompletedSerializer",
    "UploadCreateSerializer",
    "UploadOffsetErrorSerializer",
    "UploadReceivedSerializer",
    "UploadSerializer",
    "VideoMetadataSerializer",
    "VideoProposalsSerializer",
    "VideoReviewSerializer",
    "VideoSerializer",
    "WorkspaceSerializer",
]
