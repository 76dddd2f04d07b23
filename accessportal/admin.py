"""Admin pieces every app shares: the change history beside each tracked object, and the
change history's own list (django-auditlog's, with a filter by who made the change)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from auditlog.admin import LogEntryAdmin
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse

VIEW_HISTORY = "auditlog.view_logentry"

if TYPE_CHECKING:
    from django.template.response import _TemplateForResponseT


class ChangeHistoryAdminMixin(AuditlogHistoryAdminMixin):
    """Adds "Change history" to the object's page: who changed what, when, before and after.
    Only for users who may see the change history (managers and auditors)."""

    auditlog_history_per_page = 25
    change_form_template: ClassVar[_TemplateForResponseT | None] = (
        "admin/change_history_change_form.html"
    )

    def auditlog_history_view(self, request, object_id, extra_context=None):
        if not request.user.has_perm(VIEW_HISTORY):
            raise PermissionDenied
        return super().auditlog_history_view(request, object_id, extra_context)

    def object_tools(self, request, object_id) -> list[tuple[str, str]]:
        """Links (url, label) to pages about this object, shown beside "History"."""
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        opts = self.model._meta
        extra_context = {
            **(extra_context or {}),
            "extra_object_tools": self.object_tools(request, object_id),
        }
        if request.user.has_perm(VIEW_HISTORY):
            extra_context["change_history_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_auditlog", args=[object_id]
            )
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ChangeHistoryAdmin(LogEntryAdmin):
    """Every recorded change, filterable by kind of object, action, who and when."""

    list_filter = [*LogEntryAdmin.list_filter, ("actor", admin.RelatedOnlyFieldListFilter)]
