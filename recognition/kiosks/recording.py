"""A decided passage: its decision made and appended to the access log, then the door fired.

Two steps, in this order: ``passage_record`` commits the event (with its snapshot), and only
then ``passage_door_open`` fires the door of a granted passage and records what the door
answered beside the event. No door opens without a record; the log stays append-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from gates.anti_passback import LastPassage, Verdict, anti_passback_verdict
from gates.decisions import Decision, Reason
from gates.doors import DoorCommand, DoorResult, door_open
from gates.models import AccessRule, Gate, GateGroup
from gates.selectors import access_decision
from people.models import Person, Visit
from people.visits import visit_window_reason
from recognition.access_log.chain import (
    access_event_append,
    door_actuation_record,
    event_place,
)
from recognition.access_log.snapshots import access_snapshot_keep
from recognition.doors.states import door_released, gate_locked_down
from recognition.faces.engine import model_name_in_use
from recognition.faces.enrolment import face_photos_reenrolling
from recognition.kiosks.decisions import pre_rule_decision
from recognition.kiosks.pairing import Refusal
from recognition.kiosks.passages import Agreement, Seen
from recognition.models import AccessEvent, Kiosk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassageRecord:
    """A recorded passage: its event in the access log and the decision in it."""

    event: AccessEvent
    decision: Decision
    gate: Gate
    person_id: int | None
    first_name: str  # for the kiosk's greeting; empty unless granted
    passed_back: bool = False  # let through by soft anti-passback: an alert is due


def passage_record(*, kiosk_id: int, agreement: Agreement) -> PassageRecord | Refusal:
    """Decide the passage for the kiosk's gate now and append its event to the access log
    (committed when this returns). The door is not fired here: see ``passage_door_open``."""
    at = timezone.now()
    with transaction.atomic():
        kiosk = Kiosk.objects.select_related("gate__site").filter(pk=kiosk_id).first()
        if kiosk is None or kiosk.revoked_at:
            return Refusal.REVOKED
        gate = kiosk.gate
        if gate is None:
            return Refusal.NO_GATE
        person_id = passage_person_id(agreement)
        person = Person.objects.filter(pk=person_id).first() if person_id is not None else None
        model_name = model_name_in_use()
        updating = agreement.seen is Seen.UNKNOWN and bool(
            face_photos_reenrolling(model_name=model_name)
        )
        decision = (
            pre_rule_decision(
                agreement,
                liveness_required=gate.liveness_required,
                liveness_threshold=settings.FACE_LIVENESS_THRESHOLD,
                faces_updating=updating,
            )
            or (Decision(False, Reason.LOCKDOWN) if gate_locked_down(gate.pk) else None)
            or visit_decision(person, at=at)
            or access_decision(person=person, gate=gate, at=at)
        )
        passback = Verdict.ALLOW
        if decision.granted and person is not None:
            passback = anti_passback_check(person=person, gate=gate, at=at)
            if passback is Verdict.DENY:
                decision = Decision(False, Reason.ANTI_PASSBACK, decision.rule_id)
        rule = AccessRule.objects.filter(pk=decision.rule_id).first() if decision.rule_id else None
        face_read = agreement.seen in (Seen.PERSON, Seen.UNKNOWN)
        snapshot = agreement.face_jpeg if gate.snapshot_faces else None
        event = access_event_append(
            occurred_at=at,
            **event_place(kiosk=kiosk, gate=gate, person=person),
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
    return PassageRecord(
        event=event,
        decision=decision,
        gate=gate,
        person_id=person.pk if person else None,
        first_name=person.first_name if person and decision.granted else "",
        passed_back=passback is Verdict.ALERT,
    )


VISIT_DENIALS = {"not_started": Reason.PERSON_NOT_YET_VALID, "over": Reason.PERSON_EXPIRED}


def visit_decision(person: Person | None, *, at: dt.datetime) -> Decision | None:
    """A visitor outside their visit's hours is denied (the rules only know its days)."""
    visit = Visit.objects.filter(visitor=person).first() if person is not None else None
    if visit is None:
        return None
    ends_at = min(visit.ends_at, visit.ended_at) if visit.ended_at else visit.ends_at
    reason = visit_window_reason(starts_at=visit.starts_at, ends_at=ends_at, at=at)
    return Decision(False, VISIT_DENIALS[reason]) if reason else None


def passage_person_id(agreement: Agreement) -> int | None:
    """Whom a passage's event names: the person recognised, or where a pass or number named
    someone, that person, whether or not the face was theirs (an auditor sees whose pass it
    was)."""
    if agreement.seen is Seen.PERSON and agreement.person_id is not None:
        return agreement.person_id
    return agreement.claim.person_id if agreement.claim is not None else None


def anti_passback_check(*, person: Person, gate: Gate, at: dt.datetime) -> Verdict:
    """The anti-passback verdict of each group of the gate that has it, the strictest first:
    from the person's last granted passage through a gate of that group."""
    verdict = Verdict.ALLOW
    for group in gate.groups.exclude(anti_passback=GateGroup.AntiPassback.OFF):
        last = (
            AccessEvent.objects.filter(person=person, granted=True, gate__groups=group)
            .order_by("-sequence")
            .values_list("gate__direction", "occurred_at")
            .first()
        )
        found = anti_passback_verdict(
            mode=group.anti_passback,
            minutes=group.anti_passback_minutes,
            direction=gate.direction,
            last=LastPassage(*last) if last else None,
            at=at,
        )
        if found is Verdict.DENY:
            return found
        if found is Verdict.ALERT:
            verdict = found
    return verdict


def kiosk_recent_passage(*, kiosk_id: int, within_seconds: float) -> tuple[Seen, int | None] | None:
    """What the kiosk's latest passage was decided on, when it was recorded within the last
    ``within_seconds``: a connection that replaces a lost one carries it on (see
    ``PassageTracker.resume``), so that a failover does not fire the door twice."""
    if within_seconds <= 0:
        return None
    since = timezone.now() - dt.timedelta(seconds=within_seconds)
    latest = (
        AccessEvent.objects.filter(kiosk_id=kiosk_id, occurred_at__gte=since)
        .order_by("-sequence")
        .values_list("person_id", "reason")
        .first()
    )
    if latest is None:
        return None
    person_id, reason = latest
    if reason == Reason.SEVERAL_FACES:
        return (Seen.SEVERAL, None)
    return (Seen.PERSON, person_id) if person_id is not None else (Seen.UNKNOWN, None)


def passage_door_open(record: PassageRecord) -> DoorResult | None:
    """Fire the door of a recorded, granted passage and record its answer beside the event;
    None for a denied passage (no door is fired)."""
    if not record.decision.granted:
        return None
    command = DoorCommand(
        gate_id=record.gate.pk,
        gate=str(record.gate),
        event_id=record.event.pk,
        person_id=record.person_id,
        occurred_at=record.event.occurred_at.astimezone(dt.UTC).isoformat(),
    )
    door = door_open(record.gate, command)
    if door.opened:  # the door may now open without an alarm, for the gate's release time
        try:
            door_released(gate=record.gate, at=timezone.now())
        except DatabaseError:
            logger.exception("The door of %s was not marked released", record.gate)
    try:
        door_actuation_record(
            event=record.event, opened=door.opened, detail=door.detail, at=timezone.now()
        )
    except DatabaseError:
        # The door did what it did; its answer is missing beside the event ("not recorded"
        # in every report), and the log says why.
        logger.exception("The door's answer for event %s could not be recorded", record.event.pk)
    return door
