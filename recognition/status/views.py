"""The gates-and-kiosks status page; it stays live through /ws/status/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gates.decisions import REASON_LABELS
from gates.models import Site
from recognition.doors.states import UNLOCK_MINUTES
from recognition.kiosks.pairing import KioskState
from recognition.status.consumer import may_see_status, status_page_protocol
from recognition.status.gates import LAST_EVENTS, GateStatus, gate_statuses
from recognition.status.occupancy import ONE_WAY, site_occupants


def gate_status_context(request: HttpRequest) -> dict[str, Any]:
    """What the gates' live status needs (the status page's and the dashboard's)."""
    return {
        "statuses": gate_statuses(),
        "offline_after": settings.KIOSK_OFFLINE_AFTER_SECONDS,
        "last_events": LAST_EVENTS,
        "socket": status_page_protocol(),
        "keep_alive_seconds": keep_alive_seconds(),
        "sites": Site.objects.filter(gates__direction__in=ONE_WAY).distinct(),
        "may_operate_doors": request.user.has_perm("gates.operate_door"),
        "unlock_minutes": UNLOCK_MINUTES,
        "labels": status_page_labels(),
        "may_see_snapshots": request.user.has_perm("recognition.view_accesssnapshot"),
    }


def status_page_labels() -> dict[str, Any]:
    """The words recognition/status.js writes for live updates, in the operator's language
    (updates carry codes: one update goes to every page, whatever its language)."""
    return {
        "reasons": {reason.value: str(label) for reason, label in REASON_LABELS.items()},
        "kiosk_states": {state.value: state.label for state in KioskState},
        "granted": str(_("granted")),
        "denied": str(_("denied")),
        "unknown": str(_("unknown")),
    }


@staff_member_required
def gate_status_page(request: HttpRequest) -> HttpResponse:
    if not may_see_status(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "recognition/status.html",
        {
            **admin.site.each_context(request),
            "title": _("Gates and kiosks"),
            **gate_status_context(request),
        },
    )


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page of every role: what needs attention now (door alarms, lockdowns,
    kiosks offline or with a copied credential), today's counts, the gates live (for the roles
    that watch them), and the admin's lists one click away."""
    live = may_see_status(request.user)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "AccessPortal",
        "app_list": admin.site.get_app_list(request),
        "live": live,
    }
    if live:
        context.update(gate_status_context(request))
        statuses = context["statuses"]
        context["today"] = {
            "granted": sum(s.granted_today for s in statuses),
            "denied": sum(s.denied_today for s in statuses),
        }
        context["attention"] = attention_items(statuses)
    return TemplateResponse(request, "recognition/dashboard.html", context)


def attention_items(statuses: list[GateStatus]) -> list[str]:
    """What an operator should look at now, most urgent first."""
    urgent = {"forced_open": 0, "held_open": 1, "lockdown": 2}
    items = [(urgent[s.door], f"{s.gate}: {s.door_text}") for s in statuses if s.door in urgent]
    for status in statuses:
        for kiosk in status.kiosks:
            if kiosk["credential_misused_at"]:
                text = _("%(gate)s: kiosk %(kiosk)s used a copied credential")
                items.append((3, text % {"gate": status.gate, "kiosk": kiosk["name"]}))
            elif kiosk["status"] == "offline":
                text = _("%(gate)s: kiosk %(kiosk)s is offline")
                items.append((4, text % {"gate": status.gate, "kiosk": kiosk["name"]}))
    return [text for _, text in sorted(items)]


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
            "title": _("Inside %(site)s now") % {"site": site.name},
            "site": site,
            "occupants": site_occupants(site, now=now),
            "now": now,
            "hours": settings.OCCUPANCY_HOURS,
        },
    )
