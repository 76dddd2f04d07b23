from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accessportal.admin import ChangeHistoryAdminMixin
from recognition import kiosks, services
from recognition.kiosks import kiosk_status, pairing_url
from recognition.models import (
    AccessEvent,
    AccessSnapshot,
    FacePhoto,
    Kiosk,
    ReportExport,
    ScheduledReport,
)
from recognition.selectors import report_exports_visible


class FacePhotoDisplay:
    """How a face photo shows in lists: a small picture, and its status with the reason."""

    @admin.display(description="photo")
    def thumbnail(self, photo: FacePhoto) -> str:
        if not photo.pk or not photo.image:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-height:96px;border-radius:4px">',
            reverse("recognition:face-photo-image", args=[photo.pk]),
        )

    @admin.display(description="status", ordering="status")
    def status_and_reason(self, photo: FacePhoto) -> str:
        if not photo.pk:
            return "–"
        colour = {"enrolled": "#1a7f37", "rejected": "#cf222e"}.get(photo.status, "#9a6700")
        text = photo.get_status_display()
        if photo.reason:
            return format_html(
                '<strong style="color:{}">{}</strong><br>{}', colour, text, photo.reason
            )
        return format_html('<strong style="color:{}">{}</strong>', colour, text)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a photo is replaced (delete, upload), never edited in place


class FacePhotoInline(FacePhotoDisplay, admin.TabularInline):
    """Face photos on the person's page: upload here; enrolment runs in the background."""

    model = FacePhoto
    fk_name = "person"
    extra = 1
    fields = ["thumbnail", "image", "status_and_reason", "created_at"]
    readonly_fields = ["thumbnail", "status_and_reason", "created_at"]
    verbose_name_plural = "face photos for recognition"


@admin.register(FacePhoto)
class FacePhotoAdmin(ChangeHistoryAdminMixin, FacePhotoDisplay, admin.ModelAdmin):
    list_display = ["thumbnail", "person", "status_and_reason", "model_name", "created_at"]
    list_filter = ["status", "reason_code", "model_name"]
    list_select_related = ["person"]
    search_fields = ["person__first_name", "person__last_name", "person__employee_number"]
    autocomplete_fields = ["person"]
    fields = [
        "person",
        "image",
        "thumbnail",
        "status_and_reason",
        "similar_person",
        "face_px",
        "sharpness",
        "model_name",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f not in {"person", "image"}]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.face_photo_queue(photo=obj)


def enqueue_new_photos(formset) -> None:
    """After the person's page saved its face photo inline, queue the new photos."""
    for photo in formset.new_objects:
        services.face_photo_queue(photo=photo)


@admin.register(Kiosk)
class KioskAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "gate", "status", "last_seen_at", "paired_at"]
    list_filter = ["gate__site", "gate"]
    search_fields = ["name", "gate__name"]
    fields = ["name", "gate", "status", "paired_at", "last_seen_at", "revoked_at"]
    readonly_fields = ["status", "paired_at", "last_seen_at", "revoked_at"]
    actions = ["new_pairing_link", "revoke"]

    @admin.display(description="status")
    def status(self, kiosk: Kiosk) -> str:
        if not kiosk.pk:
            return "–"
        status = kiosk_status(kiosk)
        colour = {"online": "#1a7f37", "revoked": "#cf222e", "offline": "#9a6700"}.get(
            status, "#57606a"
        )
        return format_html('<strong style="color:{}">{}</strong>', colour, status)

    def _show_link(self, request: HttpRequest, kiosk: Kiosk, token: str) -> None:
        self.message_user(
            request,
            format_html(
                "Pairing link for {} (works once, for {} hours; open it on the tablet): "
                '<a href="{}">{}</a>',
                kiosk,
                settings.KIOSK_PAIRING_HOURS,
                pairing_url(token),
                pairing_url(token),
            ),
            messages.WARNING,
        )

    def save_model(self, request, obj: Kiosk, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            self._show_link(request, obj, kiosks.kiosk_pairing_link_new(kiosk=obj))

    @admin.action(description="New pairing link (the paired device stops working)")
    def new_pairing_link(self, request: HttpRequest, queryset) -> None:
        for kiosk in queryset:
            if kiosk.credential_hash and not kiosk.revoked_at:
                kiosks.kiosk_revoke(kiosk=kiosk)
            self._show_link(request, kiosk, kiosks.kiosk_pairing_link_new(kiosk=kiosk))

    @admin.action(description="Revoke (the device stops at once)")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for kiosk in queryset:
            kiosks.kiosk_revoke(kiosk=kiosk)
        self.message_user(request, f"{queryset.count()} kiosk(s) revoked.", messages.SUCCESS)


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
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

    @admin.display(description="face snapshot")
    def face_snapshot(self, event: AccessEvent) -> str:
        if not event.snapshot_sha256:
            return "-"
        if not AccessSnapshot.objects.filter(event=event).exists():
            return "Deleted after its retention period."
        url = reverse("recognition:access-snapshot-image", args=[event.pk])
        return format_html('<img src="{}" alt="Face at the kiosk" height="160">', url)

    @admin.display(boolean=True, description="door opened")
    def door_opened(self, event: AccessEvent) -> bool | None:
        door = getattr(event, "door", None)
        return door.opened if door else None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ReportExport)
class ReportExportAdmin(admin.ModelAdmin):
    """Exports and scheduled reports that were produced, with their progress and file."""

    list_display = ["created_at", "format", "description", "status", "progress", "download"]
    list_filter = ["status", "format", "scheduled_report"]

    def get_queryset(self, request: HttpRequest):
        return report_exports_visible(request.user)

    @admin.display(description="file")
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
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
