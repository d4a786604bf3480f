"""Machine proposals: where a video's pose sequence says a micro-gesture may be (docs/design.md
§17), and the labelers who rejected one. Proposals are hints for labelers: they never enter a
release or a reliability figure by themselves."""

from django.db import models


class Proposal(models.Model):
    """A candidate segment: frames ``start..end`` (0-based, end inclusive, docs/design.md §4),
    ranked by ``score`` (rank 1 = most likely), with the suggester's category and its
    probability when the project has a suggester. ``settings`` records how it was made (the
    detector's settings, the pose file's layout and source, the suggester run)."""

    video = models.ForeignKey("annotator.Video", on_delete=models.CASCADE, related_name="proposals")
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    score = models.FloatField()
    rank = models.PositiveIntegerField()
    category = models.ForeignKey(
        "annotator.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video", "start_frame", "end_frame"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "start_frame", "end_frame"], name="proposal_bounds_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(end_frame__gte=models.F("start_frame")),
                name="proposal_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"proposal [{self.start_frame}, {self.end_frame}] of {self.video}"


class ProposalRejection(models.Model):
    """A labeler said "nothing here": the proposal is hidden from them (not from the video's
    other labeler, whose judgement stays their own)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="rejections")
    labeler = models.ForeignKey(
        "annotator.Labeler", on_delete=models.CASCADE, related_name="proposal_rejections"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "labeler"], name="one_rejection_per_labeler"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.labeler} rejected {self.proposal}"
