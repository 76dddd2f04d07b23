"""Doors besides passages: what a door sensor reports, the forced-open and held-open alarms,
and what operators do from the status page (unlock for some minutes, lock, lock down).

Every change that matters is a door event in the access log's chain
(``recognition.access_log.chain.door_event_append``), appended in the same transaction as the
door's state; a command to the door's output follows, and an output that fails is recorded and
raises the ``door_failed`` alert. When an opening raises an alarm is decided by the plain
functions of ``gates.door_alarms``.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accessportal.live_updates import activity_publish_now
from accessportal.security_alerts import security_alert
from gates.door_alarms import held_open, opening_forced
from gates.doors import DoorCommand, door_open
from gates.models import DoorState, Gate
from recognition.access_log.chain import door_event_append
from recognition.models import DoorEvent

logger = logging.getLogger(__name__)
Kind = DoorEvent.Kind
UNLOCK_MINUTES = (1, 5, 15, 60, 240)  # what the status page offers


class DoorRefusal(Exception):
    """What an operator asked cannot be done now; the message says why."""


def _state(gate: Gate) -> DoorState:
    """The gate's door state, locked until the transaction ends (call inside one)."""
    DoorState.objects.get_or_create(gate=gate)
    return DoorState.objects.select_for_update().get(gate=gate)


def _append(
    gate: Gate,
    kind: str,
    *,
    at: dt.datetime,
    operator: AbstractBaseUser | None = None,
    until: dt.datetime | None = None,
    detail: str = "",
) -> DoorEvent:
    return door_event_append(
        occurred_at=at,
        gate=gate,
        gate_name=str(gate),
        site_name=gate.site.name if gate.site_id else "",
        kind=kind,
        operator=operator,
        operator_name=operator.get_username() if operator else "",
        until=until,
        detail=detail[:250],
    )


def door_summary(state: DoorState | None, *, zone: str, now: dt.datetime) -> tuple[str, str]:
    """The door's state as a code and words, the most urgent first: a lockdown, an alarm
    standing, a remote unlock, then what the sensor says."""

    def at(instant: dt.datetime) -> str:
        return f"{instant.astimezone(ZoneInfo(zone)):%H:%M %Z}"

    if state is None:
        return "unknown", _("No sensor")
    sensor = {"open": _("open"), "closed": _("closed")}.get(state.sensor, "")
    if state.locked_down_at is not None:
        return "lockdown", _("Locked down since %(at)s") % {"at": at(state.locked_down_at)}
    if state.alarm and state.sensor == DoorState.Sensor.OPEN and state.sensor_changed_at:
        if state.alarm == "forced_open":
            return "forced_open", _("Forced open at %(at)s") % {"at": at(state.sensor_changed_at)}
        return "held_open", _("Held open since %(at)s") % {"at": at(state.sensor_changed_at)}
    if state.unlocked_until is not None and state.unlocked_until > now:
        text = _("Unlocked until %(at)s") % {"at": at(state.unlocked_until)}
        return "unlocked", text + (f", {sensor}" if sensor else "")
    if sensor:
        return state.sensor, capfirst(sensor)
    return "unknown", _("No sensor")


def door_update(gate: Gate, state: DoorState, *, now: dt.datetime | None = None) -> dict:
    """A door's state as the status pages take it live (``accessportal.live_updates``)."""
    now = now or timezone.now()
    summaries = {}  # one update reaches pages in every language: each takes its own words
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            summaries[language] = door_summary(state, zone=gate.site.timezone, now=now)
    code, text = summaries.get(translation.get_language(), summaries[settings.LANGUAGE_CODE])
    return {
        "kind": "door",
        "gate": gate.pk,
        "door": code,
        "text": text,
        "texts": {language: words for language, (_code, words) in summaries.items()},
        "locked_down": state.locked_down_at is not None,
    }


def _published(gate: Gate, state: DoorState) -> None:
    """Tell the status pages, once the change is committed."""
    update = door_update(gate, state)
    transaction.on_commit(lambda: activity_publish_now(update))


def gate_locked_down(gate_id: int) -> bool:
    return DoorState.objects.filter(gate_id=gate_id, locked_down_at__isnull=False).exists()


def door_released(*, gate: Gate, at: dt.datetime) -> None:
    """A granted passage's door was fired: it may open for the gate's release time."""
    until = at + dt.timedelta(seconds=gate.door_release_seconds)
    with transaction.atomic():
        state = _state(gate)
        if state.released_until is None or state.released_until < until:
            state.released_until = until
            state.save(update_fields=["released_until"])


def door_sensor_report(*, gate: Gate, opened: bool, at: dt.datetime | None = None) -> str:
    """The door sensor says the door is open (or closed): recorded when it changed, with a
    forced-open alarm for an opening nothing let happen. Returns the alarm raised ("" if
    none); a report that repeats the state changes nothing."""
    at = at or timezone.now()
    sensor = DoorState.Sensor.OPEN if opened else DoorState.Sensor.CLOSED
    alarm = ""
    with transaction.atomic():
        state = _state(gate)
        if state.sensor == sensor:
            return ""
        state.sensor, state.sensor_changed_at = sensor, at
        _append(gate, Kind.OPENED if opened else Kind.CLOSED, at=at)
        if opened and opening_forced(
            at=at,
            released_until=state.released_until,
            unlocked_until=state.unlocked_until,
            locked_down=state.locked_down_at is not None,
        ):
            alarm = Kind.FORCED_OPEN
            _append(gate, alarm, at=at)
        state.alarm = alarm
        state.save()
        _published(gate, state)
    if alarm:
        security_alert(
            "door_forced_open",
            f"The door of {gate} was forced open at {timezone.localtime(at):%H:%M:%S %Z}",
            key=f"{gate.pk}:{at.isoformat()}",
            gate=str(gate),
        )
    return alarm


def doors_held_open_check(*, now: dt.datetime | None = None) -> int:
    """Raise the held-open alarm for each door open too long (once per opening); how many."""
    now = now or timezone.now()
    raised = 0
    open_doors = DoorState.objects.filter(sensor=DoorState.Sensor.OPEN, alarm="")
    for gate_id in open_doors.values_list("gate_id", flat=True):
        with transaction.atomic():
            gate = Gate.objects.select_related("site").get(pk=gate_id)
            state = _state(gate)
            if (
                state.sensor != DoorState.Sensor.OPEN
                or state.alarm
                or state.sensor_changed_at is None
            ):
                continue
            if not held_open(
                opened_at=state.sensor_changed_at,
                now=now,
                held_open_seconds=gate.door_held_open_seconds,
                released_until=state.released_until,
                unlocked_until=state.unlocked_until,
            ):
                continue
            state.alarm = Kind.HELD_OPEN
            state.save(update_fields=["alarm"])
            _published(gate, state)
            _append(gate, Kind.HELD_OPEN, at=now)
        opened = timezone.localtime(state.sensor_changed_at)
        security_alert(
            "door_held_open",
            f"The door of {gate} has been open since {opened:%H:%M:%S %Z}",
            key=f"{gate.pk}:{state.sensor_changed_at.isoformat()}",
            gate=str(gate),
        )
        raised += 1
    return raised


def door_unlock(
    *, gate: Gate, minutes: int, by: AbstractBaseUser, now: dt.datetime | None = None
) -> DoorEvent:
    """Unlock the door for ``minutes`` (people pass without a face; no alarm while it is
    open). Refused during a lockdown."""
    if minutes not in UNLOCK_MINUTES:
        raise DoorRefusal(
            _("Unlock for one of %(choices)s minutes.")
            % {"choices": ", ".join(map(str, UNLOCK_MINUTES))}
        )
    now = now or timezone.now()
    until = now + dt.timedelta(minutes=minutes)
    with transaction.atomic():
        state = _state(gate)
        if state.locked_down_at is not None:
            raise DoorRefusal(
                _("%(gate)s is locked down: lift the lockdown first.") % {"gate": gate}
            )
        state.unlocked_until = until
        state.save(update_fields=["unlocked_until"])
        _published(gate, state)
        event = _append(gate, Kind.UNLOCKED, at=now, operator=by, until=until)
    _command(gate, event, action="unlock", until=until)
    return event


def door_lock(*, gate: Gate, by: AbstractBaseUser, now: dt.datetime | None = None) -> DoorEvent:
    """Lock the door now: a remote unlock ends early, and no earlier grant lets it open."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _state(gate)
        state.unlocked_until = state.released_until = None
        state.save(update_fields=["unlocked_until", "released_until"])
        _published(gate, state)
        event = _append(gate, Kind.LOCKED, at=now, operator=by)
    _command(gate, event, action="lock")
    return event


def door_lockdown(
    *, gate: Gate, by: AbstractBaseUser, on: bool, now: dt.datetime | None = None
) -> DoorEvent:
    """Lock the door down (every passage denied, every opening forced, no unlock) or lift
    the lockdown."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _state(gate)
        if on == (state.locked_down_at is not None):
            text = (
                _("%(gate)s is already locked down.") if on else _("%(gate)s is not locked down.")
            )
            raise DoorRefusal(text % {"gate": gate})
        state.locked_down_at = now if on else None
        state.unlocked_until = state.released_until = None
        state.save(update_fields=["locked_down_at", "unlocked_until", "released_until"])
        _published(gate, state)
        event = _append(gate, Kind.LOCKDOWN if on else Kind.LOCKDOWN_LIFTED, at=now, operator=by)
    if on:
        _command(gate, event, action="lock")
    return event


def _command(
    gate: Gate, event: DoorEvent, *, action: str, until: dt.datetime | None = None
) -> None:
    """Tell the door's output; a failure is recorded beside the command and raises an alert."""
    command = DoorCommand(
        gate_id=gate.pk,
        gate=str(gate),
        event_id=event.pk,
        person_id=None,
        occurred_at=event.occurred_at.astimezone(dt.UTC).isoformat(),
        action=action,
        until=until.astimezone(dt.UTC).isoformat() if until else None,
    )
    result = door_open(gate, command)
    if result.opened:
        return
    _append(gate, Kind.OUTPUT_FAILED, at=timezone.now(), detail=f"{action}: {result.detail}")
    security_alert(
        "door_failed",
        f"The door of {gate} did not take the command to {action}: {result.detail}",
        key=f"{gate.pk}:{event.pk}",
        gate=str(gate),
        detail=result.detail,
    )
