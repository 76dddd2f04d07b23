"""The kiosk socket's protocol tables: close codes, message types, reconnect back-off.

Defined once here; the consumer uses them, and the pages receive them as JSON (the kiosk page
in its config, the status page in its own), so that no number is typed twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class CloseCode(enum.IntEnum):
    """Codes of our own are 4xxx (Daphne refuses to send 1008 or 1009: it would close with
    1011 instead); the last three digits follow HTTP's where one fits."""

    NOT_PAIRED = 4401
    REVOKED = 4403
    NO_GATE = 4404
    SILENT = 4408  # nothing received for KIOSK_IDLE_TIMEOUT_SECONDS
    REPLACED = 4409  # a newer connection of the same kiosk took over
    DEVICE_UNVERIFIED = 4412  # the device key was not proven (a copied credential)
    FRAME_TOO_LARGE = 4413  # a message over KIOSK_MAX_FRAME_BYTES (text: over 4 KiB)
    FLOODING = 4429  # more messages than KIOSK_MAX_MESSAGES_PER_SECOND, for too long


# The codes after which a kiosk stops for good: only a manager can change what they mean.
REFUSALS = (
    CloseCode.NOT_PAIRED,
    CloseCode.REVOKED,
    CloseCode.NO_GATE,
    CloseCode.DEVICE_UNVERIFIED,
)


class MessageType(enum.StrEnum):
    CHALLENGE = "challenge"  # the server's, first: sign this with the device key
    PROOF = "proof"  # the kiosk's answer, before anything else
    HELLO = "hello"
    READY = "ready"  # the face engine is loaded (after a hello that said it was not)
    FRAME = "frame"
    TURN = "turn"  # before a decision: the person is asked to turn their head
    GUIDANCE = "guidance"  # what to do, not a decision (several faces: one at a time)
    PIN = "pin"  # both ways: the server asks for the person's PIN, the kiosk sends it
    CLAIM = "claim"  # the kiosk's: a number typed or badged, at a gate asking for a pass first
    CLAIMED = "claimed"  # the server's: a pass or number named someone; now their face
    DECISION = "decision"
    OFFLINE_LIST = "offline_list"  # the server's: the signed allow-list for when it is away
    OFFLINE_EVENTS = "offline_events"  # both ways: what was decided offline, and its receipt
    REFUSED = "refused"
    ERROR = "error"
    HEARTBEAT = "heartbeat"  # both ways: the kiosk's beat, and the server's answer


@dataclass(frozen=True)
class Backoff:
    """How a page waits before reconnecting: ``first_seconds``, doubled after each failed
    try up to ``max_seconds``, each wait varied by +/- ``jitter`` so that many pages that lost
    the server together do not come back together."""

    first_seconds: float = 1.0
    max_seconds: float = 30.0
    jitter: float = 0.2


RECONNECT = Backoff()


def reconnect_protocol() -> dict[str, float]:
    """The back-off as a page's script reads it (the kiosk's and the status page's)."""
    return {
        "firstSeconds": RECONNECT.first_seconds,
        "maxSeconds": RECONNECT.max_seconds,
        "jitter": RECONNECT.jitter,
    }


def page_protocol() -> dict[str, Any]:
    """The tables as the kiosk page's script reads them."""
    return {
        "closeCodes": {code.name: code.value for code in CloseCode},
        "refusals": [code.value for code in REFUSALS],
        "messageTypes": {kind.name: kind.value for kind in MessageType},
        "reconnect": reconnect_protocol(),
    }
