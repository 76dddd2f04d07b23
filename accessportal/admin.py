"""Admin pieces every app shares: the change history beside each tracked object, and the
change history's own list (django-auditlog's, with a filter by who made the change)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from auditlog.admin import LogEntryAdmin
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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


# A reverse relation's manager as django-auditlog records it on creation ("gates.Gate.None").
EMPTY_RELATION = re.compile(r"^\w+\.\w+\.None$")
OPERATIONS = {"add": _("added"), "delete": _("removed"), "clear": _("cleared")}


def _value(text: str) -> str:
    """A recorded value in words: yes and no for booleans, a dash for nothing."""
    return str({"True": _("yes"), "False": _("no"), "None": "–"}.get(text, text))


def _change(field: str, values: object, *, created: bool) -> str | None:
    """One field's change in words (None: nothing to say, a field set to nothing)."""
    if isinstance(values, dict):  # a many-to-many change: {"operation": ..., "objects": [...]}
        objects = ", ".join(str(o) for o in values.get("objects", []))
        operation = values.get("operation", "")
        return f"{field}: {OPERATIONS.get(operation, operation)} {objects}".strip()
    if isinstance(values, list | tuple) and len(values) == 2:
        before, after = (str(v) for v in values)
        if EMPTY_RELATION.match(after):
            return None
        if created:
            return None if after in ("None", "") else f"{field}: {_value(after)}"
        return f"{field}: {_value(before)} → {_value(after)}"
    return f"{field}: {values}"


def changes_text(entry: LogEntry) -> str:
    """What an entry changed, as a person reads it: the fields' names and their values before
    and after ("time zone: UTC → Europe/Berlin"), choices by their labels."""
    if entry.action == LogEntry.Action.DELETE:
        return str(_("deleted"))
    created = entry.action == LogEntry.Action.CREATE
    display = dict(entry.changes_display_dict or {})
    # Many-to-many changes are read as recorded: with JSON changes, django-auditlog's display
    # of them is the record's keys ("['type', 'operation', 'objects']").
    kind = entry.content_type.model_class() if entry.content_type_id else None
    for name, values in (entry.changes_dict or {}).items():
        if isinstance(values, dict) and kind is not None:
            label = str(kind._meta.get_field(name).verbose_name)
            if label in display:
                display[label] = values
    shown = [
        text
        for field, values in display.items()
        if field.lower() not in HIDDEN_CHANGES
        and (text := _change(field, values, created=created)) is not None
    ]
    extra = len(shown) - MOST_CHANGES_SHOWN
    text = "; ".join(shown[:MOST_CHANGES_SHOWN])
    if extra > 0:
        text += str(_("; and %(count)s more") % {"count": extra})
    if created:
        return str(_("created (%(changes)s)") % {"changes": text} if text else _("created"))
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

    @admin.display(description=_("what"))
    def what(self, entry: LogEntry) -> str:
        kind = entry.content_type.model_class() if entry.content_type_id else None
        name = kind._meta.verbose_name if kind is not None else _("deleted kind of object")
        return f"{str(name).capitalize()}: {entry.object_repr}"

    @admin.display(description=_("User"))
    def user_url(self, entry: LogEntry) -> str:
        """django-auditlog's user column, with "system" in the operator's language."""
        return super().user_url(entry) if entry.actor_id else str(_("system"))

    @admin.display(description=_("changes"))
    def changed(self, entry: LogEntry) -> str:
        return changes_text(entry)
