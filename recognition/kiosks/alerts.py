"""Alerts from the doors and kiosks (sent like every security alert: log, e-mail, webhook,
``accessportal.security_alerts``): a granted passage whose door did not open, someone let
through by soft anti-passback, someone denied again and again at a gate, a kiosk gone
offline."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accessportal.security_alerts import security_alert
from gates.decisions import Reason
from gates.doors import DoorResult
from recognition.kiosks.pairing import KioskState, kiosk_status
from recognition.kiosks.recording import PassageRecord
from recognition.models import AccessEvent, Kiosk

# Denials that say nothing about someone trying to get in.
NOT_ATTEMPTS = {Reason.FACES_UPDATING, Reason.GATE_DISABLED}


def passage_alerts(record: PassageRecord, door: DoorResult | None) -> None:
    """The alerts a recorded passage raises, if any."""
    gate = record.gate
    if door is not None and not door.opened:
        security_alert(
            "door_failed",
            f"The door of {gate} did not open for a granted passage (event "
            f"{record.event.pk}): {door.detail}",
            key=str(gate.pk),
            gate=str(gate),
            event=record.event.pk,
            detail=door.detail,
        )
    if record.passed_back:
        security_alert(
            "anti_passback",
            f"{record.event.person_name} passed {gate} the same way twice (soft anti-passback)",
            key=f"{gate.pk}:{record.person_id}",
            gate=str(gate),
            person=record.person_id,
            event=record.event.pk,
        )
    if record.decision.granted or record.decision.reason in NOT_ATTEMPTS:
        return
    minutes = settings.ALERT_DENIALS_MINUTES
    since = record.event.occurred_at - dt.timedelta(minutes=minutes)
    same = {"person__isnull": True} if record.person_id is None else {"person_id": record.person_id}
    denials = AccessEvent.objects.filter(
        gate=gate, granted=False, occurred_at__gte=since, **same
    ).count()
    if denials >= settings.ALERT_DENIALS_COUNT:
        who = record.event.person_name or "Someone not recognised"
        security_alert(
            "repeated_denials",
            f"{who} was denied {denials} times in {minutes} minutes at {gate}",
            key=f"{gate.pk}:{record.person_id or 'unknown'}",
            gate=str(gate),
            person=record.person_id,
            denials=denials,
            last_reason=record.decision.reason.value,
        )


def kiosks_offline_alert(*, now: dt.datetime | None = None) -> int:
    """Raise an alert for each kiosk the status page shows offline (``kiosk_status``: paired,
    not revoked, silent for longer than ``KIOSK_OFFLINE_AFTER_SECONDS``), once per time it
    went away; how many were raised."""
    now = now or timezone.now()
    seen_before = Kiosk.objects.filter(gate__isnull=False, last_seen_at__isnull=False)
    raised = 0
    for kiosk in seen_before.select_related("gate__site"):
        if kiosk_status(kiosk, now=now) is not KioskState.OFFLINE:
            continue
        assert kiosk.last_seen_at is not None
        seen = timezone.localtime(kiosk.last_seen_at)
        raised += security_alert(
            "kiosk_offline",
            f"Kiosk {kiosk.name!r} at {kiosk.gate} is offline (last seen {seen:%Y-%m-%d %H:%M %Z})",
            key=f"{kiosk.pk}:{kiosk.last_seen_at.isoformat()}",
            repeat_seconds=7 * 86400,
            kiosk=kiosk.name,
            gate=str(kiosk.gate),
            last_seen=kiosk.last_seen_at.isoformat(),
        )
    return raised
