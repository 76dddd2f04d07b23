"""The gates-and-kiosks status page; it stays live through /ws/status/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from recognition.status.consumer import may_see_status, status_page_protocol
from recognition.status.gates import LAST_EVENTS, gate_statuses


@staff_member_required
def gate_status_page(request: HttpRequest) -> HttpResponse:
    if not may_see_status(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "recognition/status.html",
        {
            **admin.site.each_context(request),
            "title": "Gates and kiosks",
            "statuses": gate_statuses(),
            "offline_after": settings.KIOSK_OFFLINE_AFTER_SECONDS,
            "last_events": LAST_EVENTS,
            "socket": status_page_protocol(),
        },
    )
