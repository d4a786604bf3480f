"""A clip's processing stage, its pose settings and its keypoints for the pose overlay."""

from __future__ import annotations

from rest_framework import serializers

from .fields import OpenRecordSerializer


class PoseSettingsSerializer(OpenRecordSerializer):
    """``Clip.pose_settings``: how the clip's poses were made (empty: no poses). The backend's
    own options (OpenPifPaf's ``long_edge``, MediaPipe's ``model_complexity``…) pass through."""

    backend = serializers.CharField(help_text="mediapipe or openpifpaf")
    model = serializers.CharField(help_text="the model (files) the backend ran")
    layout = serializers.CharField(help_text="keypoint layout of the pose file")
    version = serializers.CharField(help_text="the backend's version")


class ClipStageSerializer(serializers.Serializer):
    """annotator.services.processing.ClipStage: the stage a clip is in (or failed at)."""

    stage = serializers.ChoiceField(choices=["cut", "blur", "verify", "poses"])
    job = serializers.IntegerField()
    state = serializers.CharField(help_text="the stage's job state")
    frames_done = serializers.IntegerField()
    frames_total = serializers.IntegerField()
    attempts = serializers.IntegerField()


class ErrorGroupSerializer(serializers.Serializer):
    """annotator.services.processing.ErrorGroup: one distinct failure and its clips."""

    stage = serializers.CharField(help_text="cut, blur, verify or poses; empty if unknown")
    message = serializers.CharField()
    clips = serializers.ListField(child=serializers.IntegerField())


class ClipPosesSerializer(serializers.Serializer):
    """annotator.services.clip_poses.ClipPoses: a clip's poses in the 22-joint layout
    (docs/design.md §9), one row per frame of the processed clip."""

    clip = serializers.IntegerField()
    layout = serializers.CharField(help_text="the layout stored in the pose file")
    joints = serializers.ListField(child=serializers.CharField(), help_text="22 joint names")
    edges = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    )
    width = serializers.IntegerField(allow_null=True, help_text="frame width (pixels)")
    height = serializers.IntegerField(allow_null=True, help_text="frame height (pixels)")
    frames = serializers.IntegerField()
    keypoints = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3)
        ),
        help_text="(frames, 22, 3): x, y in pixels and score; score 0 means missing",
    )
    pose_settings = PoseSettingsSerializer()
