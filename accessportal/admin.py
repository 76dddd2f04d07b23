"""Admin pieces every app shares: the change history beside each tracked object, and the
change history's own list (django-auditlog's, with a filter by who made the change)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from auditlog.admin import LogEntryAdmin
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
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

    def history_entries(self, obj: Any) -> QuerySet[LogEntry]:
        """The changes the object's history lists: its own (the person's page adds those of
        their face photos, consents, PIN and rules)."""
        return LogEntry.objects.get_for_object(obj)

    def auditlog_history_view(self, request, object_id, extra_context=None):
        """django-auditlog's history page, for those who may see the change history, listing
        ``history_entries`` with the object each change was made to."""
        if not request.user.has_perm(VIEW_HISTORY):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        entries = (
            self.history_entries(obj)
            .select_related("actor", "content_type")
            .order_by("-timestamp", "-id")
        )
        paginator = self.get_paginator(request, entries, self.auditlog_history_per_page)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %(object)s") % {"object": obj},
            "module_name": str(capfirst(self.model._meta.verbose_name_plural)),
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.auditlog_history_per_page,
            "object": obj,
            "opts": self.model._meta,
            "log_entries": page,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.auditlog_history_template, context)

    def object_tools(self, request, object_id) -> list[tuple[str, str]]:
        """Links (url, label) to pages about this object, shown beside "History"."""
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        opts = self.model._meta
        if self.get_object(request, unquote(object_id)) is None:  # e.g. /admin/…/1/typo/
            return super().change_view(request, object_id, form_url, extra_context)
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


def _display(entry: LogEntry) -> dict[str, Any]:
    """The entry's changes by the fields' names as people read them, choices by their labels.
    Many-to-many changes are read as recorded: with JSON changes, django-auditlog's display of
    them is the record's keys ("['type', 'operation', 'objects']")."""
    display = dict(entry.changes_display_dict or {})
    kind = entry.content_type.model_class() if entry.content_type_id else None
    for name, values in (entry.changes_dict or {}).items():
        if isinstance(values, dict) and kind is not None:
            label = str(kind._meta.get_field(name).verbose_name)
            if label in display:
                display[label] = values
    return display


class ChangeRow(NamedTuple):
    field: str
    before: str
    after: str
    listed: bool = False  # a list's change: "before" is what was done, "after" to what


def change_rows(entry: LogEntry) -> list[ChangeRow]:
    """Each change of an entry, in words: yes and no, a dash for nothing, a list's change as
    what was done and to what; no ids, no empty relations. The history table shows them, the
    change history's list sums them up (``changes_text``)."""
    rows = []
    for field, values in _display(entry).items():
        if field.lower() in HIDDEN_CHANGES:
            continue
        if isinstance(values, dict):  # a many-to-many change: {"operation": ..., "objects": [...]}
            operation = values.get("operation", "")
            objects = ", ".join(str(o) for o in values.get("objects", []))
            rows.append(ChangeRow(field, str(OPERATIONS.get(operation, operation)), objects, True))
        elif isinstance(values, list | tuple) and len(values) == 2:
            before, after = (str(v) for v in values)
            if not (EMPTY_RELATION.match(before) or EMPTY_RELATION.match(after)):
                rows.append(ChangeRow(field, _value(before), _value(after)))
        else:
            rows.append(ChangeRow(field, "", str(values), True))
    return rows


def _row_text(row: ChangeRow, *, created: bool) -> str | None:
    """One change in words for the list (None: nothing to say, a field set to nothing)."""
    if row.listed:
        return f"{row.field}: {row.before} {row.after}".replace(":  ", ": ").strip()
    if created:
        return None if row.after in ("–", "") else f"{row.field}: {row.after}"
    return f"{row.field}: {row.before} → {row.after}"


def change_rows_html(entry: LogEntry) -> str:
    """An entry's changes as a table (the history pages), in the operator's language."""
    if entry.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
        return format_html('<span class="no-changes">{}</span>', _("No field changes"))
    return format_html(
        '<table class="change-rows"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        _("Field"),
        _("From"),
        _("To"),
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((capfirst(row.field), row.before, row.after) for row in change_rows(entry)),
        ),
    )


def changes_text(entry: LogEntry) -> str:
    """What an entry changed, as a person reads it: the fields' names and their values before
    and after ("time zone: UTC → Europe/Berlin"), choices by their labels."""
    if entry.action == LogEntry.Action.DELETE:
        return str(_("deleted"))
    created = entry.action == LogEntry.Action.CREATE
    shown = [
        text for row in change_rows(entry) if (text := _row_text(row, created=created)) is not None
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

    @admin.display(description=_("Changes"))
    def msg(self, entry: LogEntry) -> str:
        return change_rows_html(entry)

    @admin.display(description=_("changes"))
    def changed(self, entry: LogEntry) -> str:
        return changes_text(entry)
