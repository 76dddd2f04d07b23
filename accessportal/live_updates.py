"""Live updates for the status pages: a kiosk came online or went offline, a passage was
decided, a door changed. Published to one channel-layer group (any process, through the channel
layer); the status pages listen to it (``recognition.status.consumer``), and whoever publishes
knows nothing of them. ``recognition.kiosks.activity`` and ``recognition.doors.states`` make
the updates."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

ACTIVITY_GROUP = "status"  # the channel-layer group the updates go to
ACTIVITY_MESSAGE_TYPE = "status.update"  # the consumer method a listener gets them in


async def activity_publish(message: dict[str, Any]) -> None:
    """Send one update to everyone listening (any process, through the channel layer). While
    the channel layer is away (a Redis restart) the update is lost, and logged: whoever sent
    it carries on, and the status pages catch up with the next updates."""
    try:
        await get_channel_layer().group_send(
            ACTIVITY_GROUP, {"type": ACTIVITY_MESSAGE_TYPE, "update": message}
        )
    except Exception as error:  # whatever the layer's client raises: the update is lost
        logger.warning("A %s update did not reach the status pages: %s", message["kind"], error)


def activity_publish_now(message: dict[str, Any]) -> None:
    """``activity_publish`` from synchronous code (a view, a Celery task)."""
    async_to_sync(activity_publish)(message)
