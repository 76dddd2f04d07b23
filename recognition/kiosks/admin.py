"""Kiosks in the admin: pairing links, presence, revoking."""

import urllib.parse

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accessportal.admin import ChangeHistoryAdminMixin
from people.passes import qr_svg
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

    @admin.display(description=_("status"))
    def status(self, kiosk: Kiosk) -> str:
        if not kiosk.pk:
            return "–"
        status = kiosk_status(kiosk)
        colour = {
            KioskState.ONLINE: "#1a7f37",
            KioskState.REVOKED: "#cf222e",
            KioskState.OFFLINE: "#9a6700",
        }.get(status, "#57606a")
        return format_html('<strong style="color:{}">{}</strong>', colour, status.label)

    def _pairing_page(self, request: HttpRequest, links: list[tuple[Kiosk, str]]) -> HttpResponse:
        """The page that hands a tablet its one-time link: a QR code to scan with the tablet,
        and the link to copy (not a link to click: a click would pair this browser and use
        the link up). Shown once; the token is kept nowhere but in this page."""
        host = urllib.parse.urlsplit(settings.KIOSK_PUBLIC_URL).hostname or ""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Pair a kiosk"),
            "opts": self.model._meta,
            "links": [
                {
                    "kiosk": kiosk,
                    "url": pairing_url(token),
                    "qr_svg": mark_safe(qr_svg(pairing_url(token))),  # noqa: S308 (our own SVG)
                }
                for kiosk, token in links
            ],
            "hours": settings.KIOSK_PAIRING_HOURS,
            "loopback": host in ("127.0.0.1", "localhost", "::1"),
            "public_url": settings.KIOSK_PUBLIC_URL,
        }
        response = TemplateResponse(request, "admin/recognition/kiosk/pairing.html", context)
        add_never_cache_headers(response)
        return response

    def save_model(self, request, obj: Kiosk, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            request._pairing_token = kiosk_pairing_link_new(kiosk=obj)

    def response_add(
        self, request: HttpRequest, obj: Kiosk, post_url_continue=None
    ) -> HttpResponse:
        token = getattr(request, "_pairing_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self._pairing_page(request, [(obj, token)])

    @admin.action(description=_("New pairing link (the paired device stops working)"))
    def new_pairing_link(self, request: HttpRequest, queryset) -> HttpResponse:
        links = []
        for kiosk in queryset:
            if kiosk.credential_hash and not kiosk.revoked_at:
                kiosk_revoke(kiosk=kiosk)
            links.append((kiosk, kiosk_pairing_link_new(kiosk=kiosk)))
        return self._pairing_page(request, links)

    @admin.action(description=_("Revoke (the device stops at once)"))
    def revoke(self, request: HttpRequest, queryset) -> HttpResponse | None:
        """Asked first, like a deletion: a revoked kiosk stops at once, and only a new pairing
        brings it back."""
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Revoke kiosks?"),
                "opts": self.model._meta,
                "kiosks": queryset,
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "action": "revoke",
            }
            return TemplateResponse(request, "admin/recognition/kiosk/revoke_confirm.html", context)
        for kiosk in queryset:
            kiosk_revoke(kiosk=kiosk)
        self.message_user(request, f"{queryset.count()} kiosk(s) revoked.", messages.SUCCESS)
        return None
