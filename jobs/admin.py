from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "scope", "state", "progress", "attempts", "created_at"]
    list_filter = ["state", "kind", "queue"]
    search_fields = ["scope"]
    readonly_fields = [f.name for f in Job._meta.fields]
