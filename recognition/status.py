"""Gates and kiosks at a glance: the state the status page starts from, and the messages that
keep it live (pushed to the "status" channel-layer group as kiosks connect, beat and decide).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from channels.layers import get_channel_layer
from django.db.models import Count, Q
from django.utils import timezone

from gates.models import Gate
from recognition.kiosks import kiosk_status
from recognition.models import AccessEvent, Kiosk

STATUS_GROUP = "status"
LAST_EVENTS = 5


@dataclass
class GateStatus:
    gate: Gate
    kiosks: list[dict[str, Any]] = field(default_factory=list)
    granted_today: int = 0
    denied_today: int = 0
    last_events: list[dict[str, Any]] = field(default_factory=list)


def event_summary(event: AccessEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "gate": event.gate_id,
        "kiosk": event.kiosk_name,
        "person": event.person_name or "unknown",
        "granted": event.granted,
        "reason": event.reason,
        "at": event.occurred_at.isoformat(),
    }


def kiosk_summary(kiosk: Kiosk, *, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": kiosk.pk,
        "name": kiosk.name,
        "gate": kiosk.gate_id,
        "status": kiosk_status(kiosk, now=now),
        "last_seen": kiosk.last_seen_at.isoformat() if kiosk.last_seen_at else None,
    }


def local_midnight(zone_name: str, now: dt.datetime) -> dt.datetime:
    zone = ZoneInfo(zone_name)
    return dt.datetime.combine(now.astimezone(zone).date(), dt.time(), tzinfo=zone)


def gate_statuses(*, now: dt.datetime | None = None) -> list[GateStatus]:
    """Every active gate with its kiosks, today's counts (the site's day) and last events."""
    now = now or timezone.now()
    gates = list(
        Gate.objects.filter(is_active=True).select_related("site").order_by("site__name", "name")
    )
    statuses = {gate.pk: GateStatus(gate) for gate in gates}
    for kiosk in Kiosk.objects.filter(gate__in=gates).order_by("name"):
        statuses[kiosk.gate_id].kiosks.append(kiosk_summary(kiosk, now=now))
    for gate in gates:
        status = statuses[gate.pk]
        counts = AccessEvent.objects.filter(
            gate_id=gate.pk, occurred_at__gte=local_midnight(gate.site.timezone, now)
        ).aggregate(
            granted_count=Count("pk", filter=Q(granted=True)),
            denied_count=Count("pk", filter=Q(granted=False)),
        )
        status.granted_today, status.denied_today = counts["granted_count"], counts["denied_count"]
        status.last_events = [
            event_summary(e)
            for e in AccessEvent.objects.filter(gate_id=gate.pk).order_by("-sequence")[:LAST_EVENTS]
        ]
    return list(statuses.values())


async def status_publish(message: dict[str, Any]) -> None:
    """Send one update to every open status page (any process, through the channel layer)."""
    await get_channel_layer().group_send(STATUS_GROUP, {"type": "status.update", "update": message})


def kiosk_update(kiosk_id: int, gate_id: int, state: str) -> dict[str, Any]:
    """``state``: online (connected or beating) or offline (disconnected)."""
    return {
        "kind": "kiosk",
        "kiosk": kiosk_id,
        "gate": gate_id,
        "status": state,
        "at": timezone.now().isoformat(),
    }


def event_update(event: AccessEvent) -> dict[str, Any]:
    return {"kind": "event", "event": event_summary(event)}
