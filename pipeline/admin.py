from django.contrib import admin

from pipeline.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "progress", "attempts", "project", "video", "created_at"]
    list_filter = ["state", "kind", "queue"]
    readonly_fields = [f.name for f in Job._meta.fields]
