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


HIDDEN_CHANGES = {"id"}  # bookkeeping, not a change anyone made
MOST_CHANGES_SHOWN = 4


def _change(field: str, values: object, *, created: bool) -> str | None:
    """One field's change in words (None: nothing to say, a field set to nothing)."""
    if isinstance(values, dict):  # a many-to-many change: {"operation": ..., "objects": [...]}
        objects = ", ".join(str(o) for o in values.get("objects", []))
        return f"{field}: {values.get('operation', 'changed')} {objects}".strip()
    if isinstance(values, list | tuple) and len(values) == 2:
        before, after = (str(v) for v in values)
        if created:
            return None if after in ("None", "") else f"{field}: {after}"
        return f"{field}: {before} → {after}"
    return f"{field}: {values}"


def changes_text(entry: LogEntry) -> str:
    """What an entry changed, as a person reads it: the fields' names and their values before
    and after ("time zone: UTC → Europe/Berlin"), choices by their labels."""
    if entry.action == LogEntry.Action.DELETE:
        return "deleted"
    created = entry.action == LogEntry.Action.CREATE
    shown = [
        text
        for field, values in (entry.changes_display_dict or {}).items()
        if field.lower() not in HIDDEN_CHANGES
        and (text := _change(field, values, created=created)) is not None
    ]
    extra = len(shown) - MOST_CHANGES_SHOWN
    text = "; ".join(shown[:MOST_CHANGES_SHOWN]) + (f"; and {extra} more" if extra > 0 else "")
    if created:
        return f"created ({text})" if text else "created"
    return text


@admin.register(LogEntry)
class ChangeHistoryAdmin(LogEntryAdmin):
    """Every recorded change, filterable by kind of object, action, who and when: what was
    changed named as people name it, the changes in words (no correlation ids: nothing here
    sets them)."""

    list_display = ["created", "what", "action", "changed", "user_url"]
    list_filter = [
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]

    @admin.display(description="what")
    def what(self, entry: LogEntry) -> str:
        kind = entry.content_type.model_class() if entry.content_type_id else None
        name = kind._meta.verbose_name if kind is not None else "deleted kind of object"
        return f"{str(name).capitalize()}: {entry.object_repr}"

    @admin.display(description="changes")
    def changed(self, entry: LogEntry) -> str:
        return changes_text(entry)
