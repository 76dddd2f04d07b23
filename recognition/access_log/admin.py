"""The access log in the admin: read-only evidence."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from recognition.models import AccessEvent, AccessSnapshot, DoorEvent


class EvidenceAdmin(admin.ModelAdmin):
    """Read-only: the access log's entries are evidence. Nobody adds, changes or deletes them
    in the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(EvidenceAdmin):
    """Read-only: events are evidence. Nobody adds, changes or deletes them here. Filters,
    counts, summaries and exports are on the access report page."""

    change_list_template = "admin/recognition/accessevent/change_list.html"

    list_display = [
        "occurred_at",
        "gate_name",
        "person_name",
        "granted",
        "reason",
        "distance",
        "liveness",
        "door_opened",
        "kiosk_name",
        "sequence",
    ]
    list_filter = ["granted", "reason", "gate", "door__opened"]
    list_select_related = ["door"]
    search_fields = ["person_name", "gate_name", "kiosk_name"]
    date_hierarchy = "occurred_at"

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.has_perm("recognition.view_accesssnapshot"):
            fields.append("face_snapshot")
        return fields

    @admin.display(description=_("face snapshot"))
    def face_snapshot(self, event: AccessEvent) -> str:
        if not event.snapshot_sha256:
            return "-"
        if not AccessSnapshot.objects.filter(event=event).exists():
            return str(_("Deleted after its retention period."))
        url = reverse("recognition:access-snapshot-image", args=[event.pk])
        return format_html('<img src="{}" alt="{}" height="160">', url, _("Face at the kiosk"))

    @admin.display(boolean=True, description=_("door opened"))
    def door_opened(self, event: AccessEvent) -> bool | None:
        door = getattr(event, "door", None)
        return door.opened if door else None


@admin.register(DoorEvent)
class DoorEventAdmin(EvidenceAdmin):
    """Read-only, like the access events: a door's sensor reports, its alarms and what
    operators did to it, in the same chain."""

    list_display = [
        "occurred_at",
        "gate_name",
        "kind",
        "operator_name",
        "until",
        "detail",
        "sequence",
    ]
    list_filter = ["kind", "gate"]
    search_fields = ["gate_name", "operator_name", "detail"]
    date_hierarchy = "occurred_at"
