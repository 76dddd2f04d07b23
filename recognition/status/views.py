"""The gates-and-kiosks status page; it stays live through /ws/status/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from gates.models import Site
from recognition.doors.states import UNLOCK_MINUTES
from recognition.status.consumer import may_see_status, status_page_protocol
from recognition.status.gates import LAST_EVENTS, gate_statuses
from recognition.status.occupancy import ONE_WAY, site_occupants


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
            "keep_alive_seconds": keep_alive_seconds(),
            "sites": Site.objects.filter(gates__direction__in=ONE_WAY).distinct(),
            "may_operate_doors": request.user.has_perm("gates.operate_door"),
            "unlock_minutes": UNLOCK_MINUTES,
        },
    )


def keep_alive_seconds() -> int:
    """How often an open status page renews its operator's session: a third of the idle
    time, at most five minutes."""
    return max(10, min(300, settings.SESSION_IDLE_MINUTES * 20))


@staff_member_required
def gate_status_alive(request: HttpRequest) -> HttpResponse:
    """An open status page asks here now and then: a watched wall screen is in use, so its
    session is renewed (every request renews it) while an idle admin tab expires."""
    if not may_see_status(request.user):
        raise PermissionDenied
    return HttpResponse(status=204)


@staff_member_required
@permission_required("recognition.view_accessevent", raise_exception=True)
def site_occupancy_page(request: HttpRequest, site_id: int) -> HttpResponse:
    """Who is inside the site now: a list to print for a mustering roll call."""
    site = get_object_or_404(Site, pk=site_id)
    now = timezone.now()
    return TemplateResponse(
        request,
        "recognition/occupancy.html",
        {
            **admin.site.each_context(request),
            "title": f"Inside {site.name} now",
            "site": site,
            "occupants": site_occupants(site, now=now),
            "now": now,
            "hours": settings.OCCUPANCY_HOURS,
        },
    )
