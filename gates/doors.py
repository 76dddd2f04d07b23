"""Door outputs: what happens at a gate when a passage is granted.

Each gate names an output kind from ``settings.DOOR_OUTPUTS`` (a dotted class path per kind).
An output gets a :class:`DoorCommand` and returns a :class:`DoorResult`. Outputs fail secure:
:func:`door_open` turns every error into "not opened", and it is only ever called for a
granted passage, so no error path can open a door.

The webhook output POSTs JSON to the gate's URL, signed so that the receiver (a door
controller, a PLC gateway) can trust it::

    X-AccessPortal-Timestamp: 1763932800
    X-AccessPortal-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

A receiver should refuse a signature that does not match or a timestamp older than a minute.

A command's ``action`` is "open" (let one passage through), "unlock" (stay unlocked until
``until``: a remote unlock from the status page) or "lock" (lock now: an unlock ended early, a
lockdown). A door sensor reports to AccessPortal signed the same way, with the gate's sensor
secret (``webhook_signature_fresh`` checks it; ``recognition.doors.sensor`` receives it).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from email.message import Message
from functools import cache
from typing import IO, TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from gates.models import Gate

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-AccessPortal-Signature"
TIMESTAMP_HEADER = "X-AccessPortal-Timestamp"


@dataclass(frozen=True)
class DoorCommand:
    """What the gate's door is told: open once for this recorded passage, or (no passage)
    unlock until ``until``, or lock."""

    gate_id: int
    gate: str
    event_id: int | None  # the access event (or the door event) this command is for
    person_id: int | None
    occurred_at: str  # ISO 8601, UTC
    action: str = "open"  # "open", "unlock" or "lock"
    until: str | None = None  # for "unlock": ISO 8601, UTC


@dataclass(frozen=True)
class DoorResult:
    opened: bool
    detail: str


class DoorOutput(Protocol):
    label: str

    def open(self, gate: Gate, command: DoorCommand) -> DoorResult: ...


class LogOnlyOutput:
    """No hardware: the command is written to the log (demo, commissioning, tests)."""

    label = _("Log only")

    def open(self, gate: Gate, command: DoorCommand) -> DoorResult:
        logger.info(
            "Door %s (log only): gate %s, event %s%s",
            command.action,
            command.gate,
            command.event_id,
            f", until {command.until}" if command.until else "",
        )
        return DoorResult(True, "logged")


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


SIGNATURE_MAX_AGE_SECONDS = 60


def webhook_signature_fresh(
    secret: str, *, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """Whether a signed request is genuine and recent: the signature matches the secret, and
    the timestamp is within a minute of ``now`` (a replayed request is refused)."""
    if not secret or not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(webhook_signature(secret, timestamp, body), signature or "")


def webhook_address_refusal(url: str) -> str | None:
    """Why a webhook at ``url`` may not be called, or None. Its host must resolve only to
    public addresses, or to addresses in ``DOOR_WEBHOOK_ALLOWED_NETWORKS``: a gate's settings
    must not turn the server into a way into its own network."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the webhook URL must be http:// or https:// with a host"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        return f"the webhook's host cannot be resolved: {error}"
    allowed = settings.DOOR_WEBHOOK_ALLOWED_NETWORKS
    for *_rest, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global and not any(ip in network for network in allowed):
            return (
                f"the webhook's address {ip} is not public; list its network in "
                "ACCESSPORTAL_DOOR_WEBHOOK_ALLOWED_NETWORKS to allow it"
            )
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is answered with its 3xx: a redirect could lead anywhere."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None


_webhook_opener = urllib.request.build_opener(_NoRedirects)


class WebhookOutput:
    """POST the command as JSON to the gate's webhook URL, HMAC-signed with its secret."""

    label = _("HTTP webhook (HMAC-signed)")

    def open(self, gate: Gate, command: DoorCommand) -> DoorResult:
        if not gate.door_webhook_url or not gate.door_webhook_secret:
            return DoorResult(False, "the gate has no webhook URL or secret")
        refusal = webhook_address_refusal(gate.door_webhook_url)
        if refusal:
            return DoorResult(False, refusal)
        body = json.dumps(asdict(command), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            gate.door_webhook_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: webhook_signature(gate.door_webhook_secret, timestamp, body),
            },
        )
        timeout = settings.DOOR_WEBHOOK_TIMEOUT_SECONDS
        with _webhook_opener.open(request, timeout=timeout) as response:
            status = response.status
        if 200 <= status < 300:
            return DoorResult(True, f"webhook answered {status}")
        return DoorResult(False, f"webhook answered {status}")


def door_output_choices() -> list[tuple[str, str]]:
    """The kinds a gate may choose, from settings (read when a form or check needs them)."""
    return [(kind, _output_class(kind).label) for kind in settings.DOOR_OUTPUTS]


@cache
def _output_class(kind: str) -> type[DoorOutput]:
    return import_string(settings.DOOR_OUTPUTS[kind])


def door_open(gate: Gate, command: DoorCommand) -> DoorResult:
    """Fire the gate's output. Never raises: any failure is a door that stayed shut."""
    try:
        output: DoorOutput = _output_class(gate.door_output)()
        result = output.open(gate, command)
    except urllib.error.HTTPError as error:
        result = DoorResult(False, f"webhook answered {error.code}")
    except Exception as error:
        result = DoorResult(False, f"{type(error).__name__}: {error}"[:200])
    if not result.opened:
        logger.error(
            "Door at %s did not open (event %s): %s", gate, command.event_id, result.detail
        )
    return result
