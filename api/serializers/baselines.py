"""Baseline runs (docs/design.md §11): the run, its live curve and metrics, its artefacts."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator.models import BaselineRun, Release
from annotator.services.baselines import paper_numbers, recipes

from .fields import IsoDateTimeField, NumberField, OpenRecordSerializer


class BaselineRunRequestSerializer(serializers.Serializer):
    release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())
    model = serializers.ChoiceField(choices=[])
    overrides = serializers.DictField(
        required=False, default=dict, help_text="recipe entries, dotted keys for nested ones"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = list(recipes())


class EpochSerializer(serializers.Serializer):
    epoch = serializers.IntegerField()
    loss = NumberField()
    accuracy = NumberField(help_text="training accuracy; null for models without one")


class TrivialSerializer(OpenRecordSerializer):
    """What guessing scores on the test split (priors from the training split)."""

    majority_top1 = NumberField()
    prior_top5 = NumberField()
    majority_class = serializers.IntegerField()


class PaperSerializer(serializers.Serializer):
    top1 = NumberField()
    top5 = NumberField()


class RunPaperSerializer(PaperSerializer):
    key = serializers.CharField(help_text="the model's key in the paper's table")


class PerClassSerializer(serializers.Serializer):
    label = serializers.IntegerField()
    code = serializers.CharField(help_text="category code; empty for emotion labels")
    name = serializers.CharField()
    support = serializers.IntegerField()
    correct = serializers.IntegerField()
    recall = NumberField()
    predicted = serializers.IntegerField()


class BaselineMetricsSerializer(OpenRecordSerializer):
    """``BaselineRun.metrics``: the per-epoch curve while training; the test metrics, the
    per-class table and the device once done; ``error`` when it failed."""

    curve = EpochSerializer(many=True)
    epochs = serializers.IntegerField()
    num_train = serializers.IntegerField()
    num_test = serializers.IntegerField()
    num_classes = serializers.IntegerField()
    top1 = NumberField()
    top5 = NumberField()
    mean_class_accuracy = NumberField()
    trivial = TrivialSerializer()
    paper = RunPaperSerializer(allow_null=True)
    per_class = PerClassSerializer(many=True)
    device = serializers.CharField()
    error = serializers.CharField()
    error_code = serializers.CharField()


# A recipe is the model's whole training configuration; its keys differ from model to model
# (baselines/recipes), so it is a map, not a fixed record.
RECIPE_MAP = serializers.DictField(help_text="the recipe as run (baselines/recipes)")


class BaselineRunSerializer(serializers.ModelSerializer):
    release_name = serializers.CharField(source="release.__str__")
    project = serializers.IntegerField(source="release.project_id")
    model = serializers.CharField(source="model_name")
    created_at = IsoDateTimeField()
    overrides = serializers.SerializerMethodField()
    recipe = serializers.SerializerMethodField()
    metrics = BaselineMetricsSerializer()
    error = serializers.SerializerMethodField()
    paper = serializers.SerializerMethodField()
    artefacts = serializers.SerializerMethodField()
    job = serializers.IntegerField(source="job_id", allow_null=True)
    job_state = serializers.CharField(source="job.state", allow_null=True)
    progress = serializers.FloatField(source="job.progress", allow_null=True)
    message = serializers.SerializerMethodField()

    class Meta:
        model = BaselineRun
        fields = [
            "id",
            "release",
            "release_name",
            "project",
            "model",
            "status",
            "created_at",
            "overrides",
            "recipe",
            "metrics",
            "error",
            "paper",
            "artefacts",
            "job",
            "job_state",
            "progress",
            "message",
        ]

    @extend_schema_field(
        serializers.DictField(help_text="recipe entries as given, dotted keys for nested ones")
    )
    def get_overrides(self, run: BaselineRun) -> dict:
        return (run.config or {}).get("overrides", {})

    @extend_schema_field(RECIPE_MAP)
    def get_recipe(self, run: BaselineRun) -> dict:
        return (run.config or {}).get("recipe", {})

    def get_error(self, run: BaselineRun) -> str:
        return (run.metrics or {}).get("error", "")

    @extend_schema_field(PaperSerializer(allow_null=True))
    def get_paper(self, run: BaselineRun) -> dict | None:
        """The paper's Top-1/Top-5 for this model on the full iMiGUE split, when it has one."""
        paper = paper_numbers().get(run.model_name)
        return {"top1": paper[0], "top5": paper[1]} if paper else None

    @extend_schema_field(
        serializers.DictField(child=serializers.CharField(), help_text="artefact name → URL")
    )
    def get_artefacts(self, run: BaselineRun) -> dict[str, str]:
        return {
            name: reverse("baseline-run-artefacts", kwargs={"pk": run.pk, "name": name})
            for name in sorted(run.artefacts or {})
        }

    def get_message(self, run: BaselineRun) -> str:
        return run.job.message if run.job else ""


class BaselineRunStartedSerializer(serializers.Serializer):
    """202: the run's job (on the gpu queue) and the pending run."""

    job = serializers.IntegerField(source="job_id")
    run = BaselineRunSerializer(source="*")
