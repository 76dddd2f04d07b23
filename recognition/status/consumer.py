"""The status page's socket: it forwards what the kiosks publish to signed-in operators."""

from __future__ import annotations

import enum
import json
import time
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.crypto import constant_time_compare

from accessportal.live_updates import ACTIVITY_GROUP
from accessportal.second_factor import second_factor_missing
from accessportal.socket_guards import IntegerCloseCodes
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


RECHECK_SECONDS = 5.0  # how stale an open socket's right to see the status may become


def may_see_status(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("recognition.view_kiosk")
        and user.has_perm("recognition.view_accessevent")
    )


def status_access_lapsed(session_key: str | None, user_id: int) -> StatusCloseCode | None:
    """Why the operator of an open status socket may no longer see it (signed out, session
    expired, password changed, account deactivated, taken out of the role), read afresh from
    the database; None while they still may."""
    if not session_key:
        return StatusCloseCode.NOT_SIGNED_IN
    stored = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.is_active or stored.get(SESSION_KEY) != str(user_id):
        return StatusCloseCode.NOT_SIGNED_IN  # an inactive account cannot sign in either
    if not constant_time_compare(stored.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return StatusCloseCode.NOT_SIGNED_IN
    if second_factor_missing(stored, user):  # signed in before their role asked for one
        return StatusCloseCode.NOT_SIGNED_IN
    return None if may_see_status(user) else StatusCloseCode.NOT_ALLOWED


class StatusConsumer(IntegerCloseCodes, AsyncWebsocketConsumer):
    """The status page's socket: signed-in operators who may see kiosks and access events
    get every update pushed to the status group; they send nothing. Close codes: 4401 not
    signed in, 4403 not allowed."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=StatusCloseCode.NOT_SIGNED_IN, reason="Sign in first.")
            return
        session = self.scope.get("session")
        if await database_sync_to_async(second_factor_missing)(
            {} if session is None else session, user
        ):
            await self.close(
                code=StatusCloseCode.NOT_SIGNED_IN, reason="Sign in with your second factor."
            )
            return
        if not await database_sync_to_async(may_see_status)(user):
            await self.close(
                code=StatusCloseCode.NOT_ALLOWED,
                reason="This account may not see the gates' status.",
            )
            return
        self.joined = True
        self.checked_at = time.monotonic()
        await self.channel_layer.group_add(ACTIVITY_GROUP, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(ACTIVITY_GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        pass  # the page only listens

    async def status_update(self, event: dict) -> None:
        if time.monotonic() - self.checked_at >= RECHECK_SECONDS:
            self.checked_at = time.monotonic()
            session = self.scope.get("session")
            lapsed = await database_sync_to_async(status_access_lapsed)(
                session.session_key if session is not None else None, self.scope["user"].pk
            )
            if lapsed is not None:
                self.joined = False
                await self.channel_layer.group_discard(ACTIVITY_GROUP, self.channel_name)
                await self.close(code=lapsed, reason="Sign in again to see the gates' status.")
                return
        await self.send(text_data=json.dumps(event["update"]))
