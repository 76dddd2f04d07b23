"""The status page's socket: it forwards what the kiosks publish to signed-in operators."""

from __future__ import annotations

import enum
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from recognition.kiosks.activity import ACTIVITY_GROUP
from recognition.kiosks.protocol import reconnect_protocol


class StatusCloseCode(enum.IntEnum):
    NOT_SIGNED_IN = 4401
    NOT_ALLOWED = 4403


def status_page_protocol() -> dict[str, Any]:
    """What the status page's script needs to know of its socket."""
    return {
        "closeCodes": {code.name: code.value for code in StatusCloseCode},
        "reconnect": reconnect_protocol(),
    }


def may_see_status(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_staff
        and user.has_perm("recognition.view_kiosk")
        and user.has_perm("recognition.view_accessevent")
    )


class StatusConsumer(AsyncWebsocketConsumer):
    """The status page's socket: signed-in operators who may see kiosks and access events
    get every update pushed to the status group; they send nothing. Close codes: 4401 not
    signed in, 4403 not allowed."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=StatusCloseCode.NOT_SIGNED_IN, reason="Sign in first.")
            return
        if not await database_sync_to_async(may_see_status)(user):
            await self.close(
                code=StatusCloseCode.NOT_ALLOWED,
                reason="This account may not see the gates' status.",
            )
            return
        self.joined = True
        await self.channel_layer.group_add(ACTIVITY_GROUP, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(ACTIVITY_GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        pass  # the page only listens

    async def status_update(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["update"]))
