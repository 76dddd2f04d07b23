"""What kiosks tell the rest of the server as it happens: a kiosk came online or went
offline, a passage was decided. Published to one channel-layer group (any process, through
the channel layer); the status pages listen to it, and the kiosks know nothing of them.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from channels.layers import get_channel_layer
from django.utils import timezone

from recognition.kiosks.pairing import KioskState
from recognition.models import AccessEvent

logger = logging.getLogger(__name__)

ACTIVITY_GROUP = "status"  # the channel-layer group the updates go to
ACTIVITY_MESSAGE_TYPE = "status.update"  # the consumer method a listener gets them in


def event_summary(event: AccessEvent) -> dict[str, Any]:
    """An access event as the live views show it."""
    return {
        "id": event.pk,
        "gate": event.gate_id,
        "kiosk": event.kiosk_name,
        "person": event.person_name or "unknown",
        "granted": event.granted,
        "reason": event.reason,
        "at": event.occurred_at.isoformat(),
    }


async def activity_publish(message: dict[str, Any]) -> None:
    """Send one update to everyone listening (any process, through the channel layer). While
    the channel layer is away (a Redis restart) the update is lost, and logged: the kiosk
    that sent it keeps deciding, and the status pages catch up with the next updates."""
    try:
        await get_channel_layer().group_send(
            ACTIVITY_GROUP, {"type": ACTIVITY_MESSAGE_TYPE, "update": message}
        )
    except Exception as error:  # whatever the layer's client raises: the update is lost
        logger.warning("A %s update did not reach the status pages: %s", message["kind"], error)


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
