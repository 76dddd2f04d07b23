"""Kiosks: pairing, credentials, presence, and recording a passage with its decision.

A manager creates a kiosk for a gate and gets a one-time pairing link. Opening the link on a
tablet pairs it: the tablet receives its own credential (a long random secret, kept in a
cookie), the link stops working, and only SHA-256 hashes of both are stored. Revoking a kiosk
stops its credential at once; a new pairing link replaces the old device's credential.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from gates.decisions import Decision, Reason
from gates.doors import DoorCommand, DoorResult, door_open
from gates.models import AccessRule, Gate
from gates.selectors import access_decision
from people.models import Person
from recognition.audit import access_event_append, door_actuation_record
from recognition.engine import model_name_in_use
from recognition.models import AccessEvent, AccessSnapshot, Kiosk
from recognition.passages import Agreement, AgreementRule, PassageTracker, Seen
from recognition.selectors import face_photos_reenrolling


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def kiosk_status(kiosk: Kiosk, *, now: dt.datetime | None = None) -> str:
    """unpaired, pairing (a link is open), revoked, online or offline."""
    now = now or timezone.now()
    if kiosk.revoked_at:
        return "revoked"
    if not kiosk.credential_hash:
        if kiosk.pairing_token_hash and kiosk.pairing_expires_at and kiosk.pairing_expires_at > now:
            return "pairing"
        return "unpaired"
    offline_after = dt.timedelta(seconds=settings.KIOSK_OFFLINE_AFTER_SECONDS)
    if kiosk.last_seen_at and now - kiosk.last_seen_at <= offline_after:
        return "online"
    return "offline"


def pairing_url(token: str) -> str:
    return f"{settings.KIOSK_PUBLIC_URL}/kiosk/pair/{token}/"


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


def kiosk_for_pairing(token: str) -> Kiosk | None:
    """The kiosk an open, unexpired pairing link belongs to."""
    return (
        Kiosk.objects.select_related("gate")
        .filter(pairing_token_hash=_hash(token), pairing_expires_at__gt=timezone.now())
        .first()
        if token
        else None
    )


def kiosk_pair(*, token: str) -> tuple[Kiosk, str]:
    """Use the pairing link once: the device's new credential. Raises PairingError."""
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

    NOT_PAIRED = (4401, "This device is not paired as a kiosk.")
    REVOKED = (4403, "This kiosk has been revoked. Ask a manager to pair it again.")
    NO_GATE = (4404, "This kiosk has no gate. Ask a manager to assign one.")

    @property
    def code(self) -> int:
        return self.value[0]

    @property
    def message(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class KioskFacts:
    """What a connected kiosk needs to know about itself, read once per check."""

    id: int
    name: str
    gate_id: int
    gate_name: str
    liveness_required: bool
    snapshot_faces: bool


def kiosk_check(credential: str | None) -> KioskFacts | Refusal:
    """The kiosk a credential belongs to, or why it may not stream."""
    kiosk = (
        Kiosk.objects.select_related("gate").filter(credential_hash=_hash(credential)).first()
        if credential
        else None
    )
    if kiosk is None:
        return Refusal.NOT_PAIRED
    if kiosk.revoked_at:
        return Refusal.REVOKED
    if kiosk.gate is None:
        return Refusal.NO_GATE
    return KioskFacts(
        id=kiosk.pk,
        name=kiosk.name,
        gate_id=kiosk.gate.pk,
        gate_name=kiosk.gate.name,
        liveness_required=kiosk.gate.liveness_required,
        snapshot_faces=kiosk.gate.snapshot_faces,
    )


def kiosk_passage_tracker(*, max_mean_distance: float | None = None) -> PassageTracker:
    """A new connection's passage tracker, by the settings: frame agreement, and a person's
    frames passing the match threshold together (``max_mean_distance``, default the
    threshold)."""
    return PassageTracker(
        rule=AgreementRule(
            frames=settings.KIOSK_AGREE_FRAMES,
            window=max(settings.KIOSK_AGREE_WINDOW, settings.KIOSK_AGREE_FRAMES),
            seconds=settings.KIOSK_AGREE_SECONDS,
            max_mean_distance=(
                settings.FACE_MATCH_THRESHOLD if max_mean_distance is None else max_mean_distance
            ),
        ),
        leave_seconds=settings.KIOSK_LEAVE_SECONDS,
        recheck_seconds=settings.KIOSK_RECHECK_SECONDS,
    )


def kiosk_seen(*, kiosk_id: int) -> None:
    Kiosk.objects.filter(pk=kiosk_id).update(last_seen_at=timezone.now())


@dataclass(frozen=True)
class PassageOutcome:
    event: AccessEvent
    decision: Decision
    first_name: str
    door: DoorResult | None  # None when the passage was denied


def passage_decision(
    agreement: Agreement,
    *,
    person: Person | None,
    gate: Gate,
    at,
    faces_updating: bool = False,
) -> Decision:
    """Checks the kiosk makes before the rules (crowd, liveness, a stranger while enrolled
    faces are being enrolled again for a new model), then the decision function."""
    if agreement.seen is Seen.SEVERAL:
        return Decision(False, Reason.SEVERAL_FACES)
    if agreement.seen is Seen.UNKNOWN and faces_updating:
        return Decision(False, Reason.FACES_UPDATING)
    # Liveness matters for a face that would be let in; a stranger is simply not recognised.
    if (
        agreement.seen is Seen.PERSON
        and gate.liveness_required
        and agreement.liveness is not None
        and agreement.liveness < settings.FACE_LIVENESS_THRESHOLD
    ):
        return Decision(False, Reason.SPOOF_SUSPECTED)
    return access_decision(person=person, gate=gate, at=at)


def access_snapshot_keep(
    *, event: AccessEvent, person: Person | None, jpeg: bytes, gate: Gate
) -> AccessSnapshot:
    return AccessSnapshot.objects.create(
        event=event,
        person=person,
        image=ContentFile(jpeg, name="face.jpg"),
        taken_at=event.occurred_at,
        delete_after=event.occurred_at + dt.timedelta(days=gate.snapshot_retention_days),
    )


def access_snapshots_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the face snapshots past their gate's retention period, files included."""
    # django-cleanup deletes each file once the rows' deletion commits.
    _, deleted = AccessSnapshot.objects.filter(delete_after__lte=now or timezone.now()).delete()
    return deleted.get(AccessSnapshot._meta.label, 0)


def passage_record(*, kiosk_id: int, agreement: Agreement) -> PassageOutcome | Refusal:
    """Decide the passage for the kiosk's gate now, append its event to the access log, fire
    the door if granted.

    The event is committed before the door is fired, so no door opens without a record; the
    door's result is then recorded beside the event (the log is append-only).
    """
    at = timezone.now()
    with transaction.atomic():
        kiosk = Kiosk.objects.select_related("gate__site").filter(pk=kiosk_id).first()
        if kiosk is None or kiosk.revoked_at:
            return Refusal.REVOKED
        gate = kiosk.gate
        if gate is None:
            return Refusal.NO_GATE
        person = (
            Person.objects.filter(pk=agreement.person_id).first()
            if agreement.seen is Seen.PERSON
            else None
        )
        model_name = model_name_in_use()
        updating = agreement.seen is Seen.UNKNOWN and bool(
            face_photos_reenrolling(model_name=model_name)
        )
        decision = passage_decision(
            agreement, person=person, gate=gate, at=at, faces_updating=updating
        )
        rule = AccessRule.objects.filter(pk=decision.rule_id).first() if decision.rule_id else None
        face_read = agreement.seen in (Seen.PERSON, Seen.UNKNOWN)
        snapshot = agreement.face_jpeg if gate.snapshot_faces else None
        event = access_event_append(
            occurred_at=at,
            kiosk=kiosk,
            kiosk_name=kiosk.name,
            gate=gate,
            gate_name=str(gate),
            site_name=gate.site.name if gate.site_id else "",
            person=person,
            person_name=str(person) if person else "",
            granted=decision.granted,
            reason=decision.reason,
            rule=rule,
            rule_name=str(rule) if rule else "",
            distance=agreement.distance,
            margin=agreement.margin,
            liveness=agreement.liveness,
            model_name=f"{model_name} {settings.FACE_DISTANCE_METRIC}" if face_read else "",
            frames=agreement.frames,
            snapshot_sha256=hashlib.sha256(snapshot).hexdigest() if snapshot else "",
        )
        if snapshot:
            access_snapshot_keep(event=event, person=person, jpeg=snapshot, gate=gate)
    door = None
    if decision.granted:
        command = DoorCommand(
            gate_id=gate.pk,
            gate=str(gate),
            event_id=event.pk,
            person_id=person.pk if person else None,
            occurred_at=at.astimezone(dt.UTC).isoformat(),
        )
        door = door_open(gate, command)
        door_actuation_record(
            event=event, opened=door.opened, detail=door.detail, at=timezone.now()
        )
    return PassageOutcome(
        event=event,
        decision=decision,
        first_name=person.first_name if person and decision.granted else "",
        door=door,
    )
