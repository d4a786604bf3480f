from django.contrib import admin

from annotator import models


class ReadOnlyHistoryAdmin(admin.ModelAdmin):
    """History is append-only: visible in the admin, never editable there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "taxonomy_name", "theta", "clip_bounds_rule", "created_at"]
    filter_horizontal = ["labelers"]


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "hotkey", "label_index", "project"]
    list_filter = ["project", "group"]


@admin.register(models.Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["subject_id", "gender", "nationality", "project"]
    list_filter = ["project"]


@admin.register(models.Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["external_id", "project", "status", "fps", "num_frames", "subject", "error"]
    list_filter = ["project", "status", "match_result"]
    search_fields = ["external_id", "original_name"]
    readonly_fields = ["sha256", "source_file", "proxy_file"]


@admin.register(models.Labeler)
class LabelerAdmin(admin.ModelAdmin):
    list_display = ["code", "user", "is_active"]


@admin.register(models.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["video", "labeler", "state", "position", "is_training"]
    list_filter = ["state", "labeler", "is_training"]

    def get_readonly_fields(self, request, obj=None):
        # Reassigning goes through the API/project page, which refuses to discard started work.
        return ["video", "labeler"] if obj else []


@admin.register(models.Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["client_uuid", "assignment", "start_frame", "end_frame", "category", "version"]
    list_filter = ["is_deleted"]
    readonly_fields = ["client_uuid", "version"]


admin.site.register(models.SegmentHistory, ReadOnlyHistoryAdmin)
admin.site.register(models.ReviewDecisionHistory, ReadOnlyHistoryAdmin)
for model in (
    models.AgreementRun,
    models.Disagreement,
    models.ReviewDecision,
    models.Clip,
    models.Release,
    models.BaselineRun,
    models.Upload,
):
    admin.site.register(model)
