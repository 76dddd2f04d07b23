"""What kiosks tell the rest of the server as it happens: a kiosk came online or went
offline, a passage was decided; published to the status pages by
``accessportal.live_updates``, and the kiosks know nothing of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from accessportal.live_updates import ACTIVITY_GROUP, activity_publish
from gates.local_time import local_time_text
from recognition.kiosks.pairing import KioskState
from recognition.models import AccessEvent

__all__ = ["ACTIVITY_GROUP", "activity_publish", "event_update", "kiosk_update"]


def event_summary(event: AccessEvent) -> dict[str, Any]:
    """An access event as the live views show it."""
    return {
        "id": event.pk,
        "gate": event.gate_id,
        "kiosk": event.kiosk_name,
        "person": event.person_name,  # empty: not recognised (each page says it in its words)
        "granted": event.granted,
        "reason": event.reason,
        "reason_label": event.reason_label,
        "at": event.occurred_at.isoformat(),
        # As people at the site read it, with the zone: the status page shows this.
        "local": local_time_text(event.occurred_at, _zone(event)),
        # The page shows the face kept with the event to those who may see it.
        "snapshot": bool(event.snapshot_sha256),
    }


def _zone(event: AccessEvent) -> str:
    gate = event.gate
    return gate.site.timezone if gate is not None else settings.TIME_ZONE


def kiosk_update(
    kiosk_id: int,
    gate_id: int,
    state: KioskState | None,
    *,
    misused_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """``state``: online (connected or beating), offline (disconnected), or None when only
    ``misused_at`` is news: the kiosk's credential came from a device without its key."""
    update: dict[str, Any] = {
        "kind": "kiosk",
        "kiosk": kiosk_id,
        "gate": gate_id,
        "at": timezone.now().isoformat(),
    }
    if state is not None:
        update["status"] = state
    if misused_at is not None:
        update["misused_at"] = misused_at.isoformat()
    return update


def event_update(event: AccessEvent) -> dict[str, Any]:
    return {"kind": "event", "event": event_summary(event)}
