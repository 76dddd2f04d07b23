"""Kiosks in the admin: pairing links, presence, revoking."""

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from accessportal.admin import ChangeHistoryAdminMixin
from recognition.kiosks.pairing import (
    KioskState,
    kiosk_pairing_link_new,
    kiosk_revoke,
    kiosk_status,
    pairing_url,
)
from recognition.models import Kiosk


@admin.register(Kiosk)
class KioskAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "gate", "status", "last_seen_at", "paired_at", "credential_misused_at"]
    list_filter = ["gate__site", "gate"]
    search_fields = ["name", "gate__name"]
    readonly_fields = [
        "status",
        "paired_at",
        "last_seen_at",
        "revoked_at",
        "credential_misused_at",
        "device_key",
    ]
    fields = ["name", "gate", *readonly_fields]
    actions = ["new_pairing_link", "revoke"]

    @admin.display(description="status")
    def status(self, kiosk: Kiosk) -> str:
        if not kiosk.pk:
            return "–"
        status = kiosk_status(kiosk)
        colour = {
            KioskState.ONLINE: "#1a7f37",
            KioskState.REVOKED: "#cf222e",
            KioskState.OFFLINE: "#9a6700",
        }.get(status, "#57606a")
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
            self._show_link(request, obj, kiosk_pairing_link_new(kiosk=obj))

    @admin.action(description="New pairing link (the paired device stops working)")
    def new_pairing_link(self, request: HttpRequest, queryset) -> None:
        for kiosk in queryset:
            if kiosk.credential_hash and not kiosk.revoked_at:
                kiosk_revoke(kiosk=kiosk)
            self._show_link(request, kiosk, kiosk_pairing_link_new(kiosk=kiosk))

    @admin.action(description="Revoke (the device stops at once)")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for kiosk in queryset:
            kiosk_revoke(kiosk=kiosk)
        self.message_user(request, f"{queryset.count()} kiosk(s) revoked.", messages.SUCCESS)
