"""Kiosks: pairing, credentials and presence.

A manager creates a kiosk for a gate and gets a one-time pairing link. Opening the link on a
tablet pairs it: the tablet makes its device key (``recognition.kiosks.device_keys``) and
receives its own credential (a long random secret, kept in a cookie), the link stops working,
and only SHA-256 hashes of link and credential, and the key's public half, are stored. Every
connection shows the credential and proves the key. Revoking a kiosk stops its credential at
once; a new pairing link replaces the old device's credential and key.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from gates.models import Gate
from recognition.kiosks.device_keys import DeviceKeyError, device_key_parse
from recognition.kiosks.protocol import CloseCode
from recognition.models import Kiosk


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KioskState(enum.StrEnum):
    UNPAIRED = "unpaired"
    PAIRING = "pairing"  # a pairing link is open
    REVOKED = "revoked"
    ONLINE = "online"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        """The state in the operator's language (the value stays the code pages and sockets
        carry)."""
        return str(KIOSK_STATE_LABELS[self])


KIOSK_STATE_LABELS = {
    KioskState.UNPAIRED: _("unpaired"),
    KioskState.PAIRING: _("pairing"),
    KioskState.REVOKED: _("revoked"),
    KioskState.ONLINE: _("online"),
    KioskState.OFFLINE: _("offline"),
}


def kiosk_status(kiosk: Kiosk, *, now: dt.datetime | None = None) -> KioskState:
    now = now or timezone.now()
    if kiosk.revoked_at:
        return KioskState.REVOKED
    if not kiosk.credential_hash:
        if kiosk.pairing_token_hash and kiosk.pairing_expires_at and kiosk.pairing_expires_at > now:
            return KioskState.PAIRING
        return KioskState.UNPAIRED
    offline_after = dt.timedelta(seconds=settings.KIOSK_OFFLINE_AFTER_SECONDS)
    if kiosk.last_seen_at and now - kiosk.last_seen_at <= offline_after:
        return KioskState.ONLINE
    return KioskState.OFFLINE


def pairing_url(token: str) -> str:
    """The link a tablet opens. The token is the fragment: browsers never send it to a server,
    so it lands in no access log; the page's script posts it."""
    return f"{settings.KIOSK_PUBLIC_URL}/kiosk/pair/#{token}"


def kiosk_pairing_link_new(*, kiosk: Kiosk) -> str:
    """A fresh one-time pairing token for ``kiosk`` (any earlier link stops working)."""
    token = secrets.token_urlsafe(24)
    kiosk.pairing_token_hash = _hash(token)
    kiosk.pairing_expires_at = timezone.now() + dt.timedelta(hours=settings.KIOSK_PAIRING_HOURS)
    kiosk.save(update_fields=["pairing_token_hash", "pairing_expires_at"])
    return token


def kiosk_create(*, gate: Gate, name: str = "") -> tuple[Kiosk, str]:
    """A new kiosk for ``gate`` and its one-time pairing token."""
    kiosk = Kiosk.objects.create(gate=gate, name=name or f"Kiosk at {gate.name}")
    return kiosk, kiosk_pairing_link_new(kiosk=kiosk)


class PairingError(Exception):
    """The link is unknown, used or expired; the message says so for the person holding it."""

    USED_OR_EXPIRED = "This pairing link has been used or has expired. Ask a manager for a new one."

    @classmethod
    def default(cls) -> PairingError:
        return cls(cls.USED_OR_EXPIRED)


class NoDeviceKey(PairingError):
    """The device sent no usable key; the link stays open for a browser that can."""


def kiosk_for_pairing(token: str) -> Kiosk | None:
    """The kiosk an open, unexpired pairing link belongs to."""
    return (
        Kiosk.objects.select_related("gate")
        .filter(pairing_token_hash=_hash(token), pairing_expires_at__gt=timezone.now())
        .first()
        if token
        else None
    )


def kiosk_pair(*, token: str, device_key: str) -> tuple[Kiosk, str]:
    """Use the pairing link once, binding the kiosk to the device holding ``device_key``'s
    private half: the device's new credential. Raises PairingError."""
    try:
        public_key = device_key_parse(device_key)
    except DeviceKeyError as error:
        raise NoDeviceKey(
            f"{error} This browser cannot keep a device key: open the link in the kiosk's "
            "browser over HTTPS (or http://127.0.0.1)."
        ) from error
    with transaction.atomic():
        kiosk = kiosk_for_pairing(token)
        if kiosk is None:
            raise PairingError.default()
        credential = secrets.token_urlsafe(32)
        # Only the row still holding this token is updated: two devices racing for one link
        # cannot both pair.
        updated = Kiosk.objects.filter(pk=kiosk.pk, pairing_token_hash=_hash(token)).update(
            pairing_token_hash="",
            pairing_expires_at=None,
            credential_hash=_hash(credential),
            device_key=public_key,
            credential_misused_at=None,
            paired_at=timezone.now(),
            revoked_at=None,
        )
        if not updated:
            raise PairingError("This pairing link has just been used by another device.")
    kiosk.refresh_from_db()
    return kiosk, credential


def kiosk_group(kiosk_id: int) -> str:
    """The channel-layer group of a kiosk's open connection."""
    return f"kiosk-{kiosk_id}"


def kiosk_revoke(*, kiosk: Kiosk) -> None:
    """Stop the device's credential now; its open connection is closed once this commits
    (through the channel layer: in-process by default, Redis across processes)."""
    kiosk.revoked_at = timezone.now()
    kiosk.pairing_token_hash = ""
    kiosk.pairing_expires_at = None
    kiosk.save(update_fields=["revoked_at", "pairing_token_hash", "pairing_expires_at"])
    transaction.on_commit(lambda: _close_connection(kiosk.pk))


def _close_connection(kiosk_id: int) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(kiosk_group(kiosk_id), {"type": "kiosk.revoked"})


class Refusal(enum.Enum):
    """Why a device may not stream frames, with its WebSocket close code."""

    NOT_PAIRED = (CloseCode.NOT_PAIRED, gettext_noop("This device is not paired as a kiosk."))
    REVOKED = (
        CloseCode.REVOKED,
        gettext_noop("This kiosk has been revoked. Ask a manager to pair it again."),
    )
    NO_GATE = (
        CloseCode.NO_GATE,
        gettext_noop("This kiosk has no gate. Ask a manager to assign one."),
    )
    DEVICE_UNVERIFIED = (
        CloseCode.DEVICE_UNVERIFIED,
        gettext_noop(
            "This device could not prove it is the paired kiosk. Ask a manager to pair it again."
        ),
    )

    @property
    def code(self) -> CloseCode:
        return self.value[0]

    @property
    def message(self) -> str:
        """In the active language (the site's, on its kiosks)."""
        return gettext(self.value[1])


@dataclass(frozen=True)
class KioskFacts:
    """What a connected kiosk needs to know about itself, read once per check."""

    id: int
    name: str
    gate_id: int
    gate_name: str
    liveness_required: bool
    liveness_turn: bool
    asks_pin: bool  # the gate asks everyone it recognises for their PIN
    claim_first: bool  # a pass or number names the person first; the face is checked 1:1
    offline_allow_list: bool  # the kiosk gets a signed list to let people in while offline
    language: str  # what the site's kiosks speak
    snapshot_faces: bool
    unrecognised_advice: str  # the site's next step for someone not recognised
    device_key: str  # the public half the device proves on connecting


def kiosk_check(credential: str | None) -> KioskFacts | Refusal:
    """The kiosk a credential belongs to, or why it may not stream."""
    kiosk = (
        Kiosk.objects.select_related("gate__site").filter(credential_hash=_hash(credential)).first()
        if credential
        else None
    )
    if kiosk is None:
        return Refusal.NOT_PAIRED
    if kiosk.revoked_at:
        return Refusal.REVOKED
    if kiosk.gate is None:
        return Refusal.NO_GATE
    if not kiosk.device_key:  # paired before device keys existed: it cannot prove one
        return Refusal.DEVICE_UNVERIFIED
    return KioskFacts(
        id=kiosk.pk,
        name=kiosk.name,
        gate_id=kiosk.gate.pk,
        gate_name=kiosk.gate.name,
        liveness_required=kiosk.gate.liveness_required,
        liveness_turn=kiosk.gate.liveness_turn,
        asks_pin=kiosk.gate.verification == Gate.Verification.FACE_AND_PIN,
        claim_first=kiosk.gate.verification == Gate.Verification.CLAIM_THEN_FACE,
        offline_allow_list=kiosk.gate.offline_allow_list,
        language=kiosk.gate.site.language,
        unrecognised_advice=kiosk.gate.site.unrecognised_advice,
        snapshot_faces=kiosk.gate.snapshot_faces,
        device_key=kiosk.device_key,
    )


def kiosk_seen(*, kiosk_id: int) -> None:
    Kiosk.objects.filter(pk=kiosk_id).update(last_seen_at=timezone.now())


def kiosk_credential_misused(*, kiosk_id: int) -> dt.datetime:
    """Flag the kiosk: its credential came from a device that could not prove the key."""
    now = timezone.now()
    Kiosk.objects.filter(pk=kiosk_id).update(credential_misused_at=now)
    return now
