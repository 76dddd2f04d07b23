"""Gates and kiosks at a glance: the state the status page starts from. The page then stays
live on what the kiosks publish (``recognition.kiosks.activity``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from gates.local_time import today_start
from gates.models import DoorState, Gate
from recognition.doors.states import door_summary
from recognition.kiosks.activity import event_summary
from recognition.kiosks.pairing import kiosk_status
from recognition.models import AccessEvent, Kiosk

LAST_EVENTS = 5


@dataclass
class GateStatus:
    gate: Gate
    kiosks: list[dict[str, Any]] = field(default_factory=list)
    granted_today: int = 0
    denied_today: int = 0
    last_events: list[dict[str, Any]] = field(default_factory=list)
    door: str = "unknown"  # the door's state, as a code for the page's styles
    door_text: str = ""  # door_summary's words (no state: "No sensor")
    locked_down: bool = False


def kiosk_summary(kiosk: Kiosk, *, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": kiosk.pk,
        "name": kiosk.name,
        "gate": kiosk.gate_id,
        "status": kiosk_status(kiosk, now=now),
        "last_seen": kiosk.last_seen_at.isoformat() if kiosk.last_seen_at else None,
        "credential_misused_at": (
            kiosk.credential_misused_at.isoformat() if kiosk.credential_misused_at else None
        ),
    }


def gate_statuses(*, now: dt.datetime | None = None) -> list[GateStatus]:
    """Every active gate with its kiosks, today's counts (the site's day) and last events."""
    now = now or timezone.now()
    gates = list(
        Gate.objects.filter(is_active=True).select_related("site").order_by("site__name", "name")
    )
    statuses = {gate.pk: GateStatus(gate) for gate in gates}
    for kiosk in Kiosk.objects.filter(gate__in=gates).order_by("name"):
        assert kiosk.gate_id is not None  # kiosks of these gates
        statuses[kiosk.gate_id].kiosks.append(kiosk_summary(kiosk, now=now))
    doors = {d.gate_id: d for d in DoorState.objects.filter(gate__in=gates)}
    for gate in gates:
        status = statuses[gate.pk]
        door = doors.get(gate.pk)
        status.door, status.door_text = door_summary(door, zone=gate.site.timezone, now=now)
        status.locked_down = door is not None and door.locked_down_at is not None
        counts = AccessEvent.objects.filter(
            gate_id=gate.pk, occurred_at__gte=today_start(now, gate.site.timezone)
        ).aggregate(
            granted_count=Count("pk", filter=Q(granted=True)),
            denied_count=Count("pk", filter=Q(granted=False)),
        )
        status.granted_today, status.denied_today = counts["granted_count"], counts["denied_count"]
        status.last_events = [
            event_summary(e)
            for e in AccessEvent.objects.filter(gate_id=gate.pk)
            .select_related("gate__site")
            .order_by("-sequence")[:LAST_EVENTS]
        ]
    return list(statuses.values())
