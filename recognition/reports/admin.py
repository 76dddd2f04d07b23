"""Report files and scheduled reports in the admin."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accessportal.admin import ChangeHistoryAdminMixin
from recognition.models import ReportExport, ScheduledReport
from recognition.reports.exports import report_exports_visible


@admin.register(ReportExport)
class ReportExportAdmin(admin.ModelAdmin):
    """Exports and scheduled reports that were produced, with their progress and file."""

    list_display = ["created_at", "format", "description", "status", "progress", "download"]
    list_filter = ["status", "format", "scheduled_report"]

    def get_queryset(self, request: HttpRequest):
        return report_exports_visible(request.user)

    @admin.display(description=_("file"))
    def download(self, export: ReportExport) -> str:
        if export.status != ReportExport.Status.DONE:
            return "-"
        url = reverse("recognition:report-export-file", args=[export.pk])
        return format_html('<a href="{}">Download</a>', url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ScheduledReport)
class ScheduledReportAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "frequency", "format", "site", "gate", "decision", "is_active"]
    list_filter = ["frequency", "format", "is_active"]
    readonly_fields = ["last_period_end", "created_by"]

    def save_model(self, request: HttpRequest, obj: ScheduledReport, form, change: bool) -> None:
        if not change:
            obj.created_by_id = request.user.pk
        super().save_model(request, obj, form, change)
