"""Report jobs in the admin: read-only, so administrators see failures and their errors.

Jobs are created by `reports.services.report_request` only; the admin neither adds,
edits nor deletes them (expired files are removed by the daily cleanup)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "kind", "requester", "status", "progress", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "requester__username", "error")
    list_select_related = ("requester",)
    date_hierarchy = "created_at"
    fields = (
        "title",
        "kind",
        "parameters",
        "requester",
        "language",
        "status",
        "progress",
        "error",
        "download",
        "filename",
        "attempts",
        "schedule_key",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "notified_at",
    )
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, job: ReportJob):
        if not job.is_downloadable:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("reports:download", args=[job.pk]), job.filename
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
