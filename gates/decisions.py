"""The access decision: may this person pass this gate at this instant, and why.

Everything here is plain data and pure functions: no database, no clock, no side effects.
Selectors load the facts from the database (``gates.selectors``); the kiosk, the API and the
admin all call :func:`decide` with them.

Time semantics. Schedules are wall-clock times in the site's time zone. An instant is turned
into the site's local wall time and compared with the windows, so across daylight-saving
changes a window 08:00–18:00 stays 08:00–18:00 local. In a spring-forward gap the missing
wall times simply never occur; in a fall-back overlap both occurrences of 01:30 are 01:30.
A window belongs to the day it starts on: a night window Friday 22:00–06:00 keeps running
into Saturday even if Saturday is a holiday. Validity dates (person and rule) are inclusive
days in the site's time zone.

Reason codes (``Reason``), checked in this order:

==================== ======================================================================
gate_disabled        the gate is switched off; nobody passes
unknown_face         nobody was recognised
person_inactive      the person is switched off
person_not_yet_valid the person's first valid day is still to come
person_expired       the person's last valid day has passed
explicit_deny        a deny rule in force covers this instant (wins over every grant)
granted              a grant rule in force covers this instant, and no deny rule does
no_rule              no active grant rule names this person (or their groups) and this gate
rule_not_yet_valid   grant rules exist, but none has started yet
rule_expired         grant rules exist, but all have ended (or not started)
holiday_closed       grant rules are valid today, but today is a closed holiday for them
outside_schedule     grant rules are valid today, but none of their windows is open now
==================== ======================================================================

More codes come from the kiosk before any rule is consulted (``PRE_DECISION_REASONS``,
decided by ``recognition.kiosks.decisions.pre_rule_decision``):
``several_faces`` (comparable faces in front of the camera: one at a time, please),
``spoof_suspected`` (the gate requires liveness and an enrolled person's face looked like a
photo or a screen), ``turn_not_seen`` (the gate asks for a head turn and the recognised face
did not turn as asked in time), ``pin_wrong``, ``pin_locked``, ``pin_not_set`` and
``pin_not_entered`` (the gate, or the person's "always ask for their PIN", asks for a PIN after
the face), ``claim_unknown``, ``face_mismatch`` and ``face_not_seen`` (the gate asks for a pass
or number first: it named nobody; the face was not the named person's; no face came in time),
``lockdown`` (the gate's door is locked down from the status page: everyone is denied) and
``faces_updating`` (nobody was recognised while enrolled photos are being enrolled again for a
new recognition model: the person may be one of them). Offline kiosks report
``granted_offline``, ``offline_unknown_number`` and ``offline_outside_hours`` (and
``pin_wrong``, ``pin_locked``) once they are back (``recognition.kiosks.offline``). One comes
after the rules granted: ``anti_passback`` (the same way twice through an anti-passback area,
``gates.anti_passback``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gates.local_time import local_wall_time as local_wall_time  # decide() reads wall time


class Reason(enum.StrEnum):
    GRANTED = "granted"
    GATE_DISABLED = "gate_disabled"
    UNKNOWN_FACE = "unknown_face"
    PERSON_INACTIVE = "person_inactive"
    PERSON_NOT_YET_VALID = "person_not_yet_valid"
    PERSON_EXPIRED = "person_expired"
    EXPLICIT_DENY = "explicit_deny"
    NO_RULE = "no_rule"
    RULE_NOT_YET_VALID = "rule_not_yet_valid"
    RULE_EXPIRED = "rule_expired"
    HOLIDAY_CLOSED = "holiday_closed"
    OUTSIDE_SCHEDULE = "outside_schedule"
    # Set by the kiosk before the rules are consulted; decide() never returns these.
    SEVERAL_FACES = "several_faces"
    SPOOF_SUSPECTED = "spoof_suspected"
    FACES_UPDATING = "faces_updating"
    TURN_NOT_SEEN = "turn_not_seen"
    PIN_WRONG = "pin_wrong"
    PIN_LOCKED = "pin_locked"
    PIN_NOT_SET = "pin_not_set"
    PIN_NOT_ENTERED = "pin_not_entered"
    CLAIM_UNKNOWN = "claim_unknown"
    FACE_MISMATCH = "face_mismatch"
    FACE_NOT_SEEN = "face_not_seen"
    LOCKDOWN = "lockdown"
    # Decided by a kiosk while the server could not be reached (recognition.kiosks.offline).
    GRANTED_OFFLINE = "granted_offline"
    OFFLINE_UNKNOWN_NUMBER = "offline_unknown_number"
    OFFLINE_OUTSIDE_HOURS = "offline_outside_hours"
    ANTI_PASSBACK = "anti_passback"


REASON_TEXT: Mapping[Reason, Promise] = {
    Reason.GRANTED: _("Access granted."),
    Reason.GATE_DISABLED: _("This entrance is closed."),
    Reason.UNKNOWN_FACE: _("Not recognised."),
    Reason.PERSON_INACTIVE: _("Your access is suspended."),
    Reason.PERSON_NOT_YET_VALID: _("Your access has not started yet."),
    Reason.PERSON_EXPIRED: _("Your access has expired."),
    Reason.EXPLICIT_DENY: _("You may not pass this entrance."),
    Reason.NO_RULE: _("You have no access to this entrance."),
    Reason.RULE_NOT_YET_VALID: _("Your access to this entrance has not started yet."),
    Reason.RULE_EXPIRED: _("Your access to this entrance has expired."),
    Reason.HOLIDAY_CLOSED: _("Closed today for a holiday."),
    Reason.OUTSIDE_SCHEDULE: _("Outside your schedule."),
    Reason.SEVERAL_FACES: _("Please step up one at a time."),
    Reason.SPOOF_SUSPECTED: _("Not recognised as a live person. Please look at the camera."),
    Reason.FACES_UPDATING: _(
        "Face recognition is being updated. Please try again in a minute or ask at the desk."
    ),
    Reason.TURN_NOT_SEEN: _("The head turn was not seen. Please step back and try again."),
    Reason.PIN_WRONG: _("Wrong PIN."),
    Reason.PIN_LOCKED: _(
        "Too many wrong PINs: your PIN is locked for a while. Please ask at the desk."
    ),
    Reason.PIN_NOT_SET: _("This entrance needs a PIN and you have none. Please ask at the desk."),
    Reason.PIN_NOT_ENTERED: _("No PIN was entered. Please step back and try again."),
    Reason.CLAIM_UNKNOWN: _(
        "This pass or number is not known. Please try again or ask at the desk."
    ),
    Reason.FACE_MISMATCH: _("Your face does not match this pass. Please ask at the desk."),
    Reason.FACE_NOT_SEEN: _(
        "No face was seen in time. Please show your pass again and look at the camera."
    ),
    Reason.GRANTED_OFFLINE: _("Access granted (offline)."),
    Reason.OFFLINE_UNKNOWN_NUMBER: _("This number is not on the offline list."),
    Reason.OFFLINE_OUTSIDE_HOURS: _("Outside your hours."),
    Reason.LOCKDOWN: _("This entrance is locked down. Please follow the staff's instructions."),
    Reason.ANTI_PASSBACK: _(
        "You already passed this way. Please use the other way first, or ask at the desk."
    ),
}

# The reasons as operators read them (reports, filters, answers); REASON_TEXT is worded for
# the person at the door.
REASON_LABELS: Mapping[Reason, Promise] = {
    Reason.GRANTED: _("Granted"),
    Reason.GATE_DISABLED: _("Gate disabled"),
    Reason.UNKNOWN_FACE: _("Not recognised"),
    Reason.PERSON_INACTIVE: _("Person switched off"),
    Reason.PERSON_NOT_YET_VALID: _("Person not valid yet"),
    Reason.PERSON_EXPIRED: _("Person no longer valid"),
    Reason.EXPLICIT_DENY: _("Denied by a rule"),
    Reason.NO_RULE: _("No rule for this gate"),
    Reason.RULE_NOT_YET_VALID: _("Rule not valid yet"),
    Reason.RULE_EXPIRED: _("Rule expired"),
    Reason.HOLIDAY_CLOSED: _("Closed for a holiday"),
    Reason.OUTSIDE_SCHEDULE: _("Outside the schedule"),
    Reason.SEVERAL_FACES: _("Several faces"),
    Reason.SPOOF_SUSPECTED: _("Photo or screen suspected"),
    Reason.FACES_UPDATING: _("Faces being enrolled again"),
    Reason.TURN_NOT_SEEN: _("Head turn not seen"),
    Reason.PIN_WRONG: _("Wrong PIN"),
    Reason.PIN_LOCKED: _("PIN locked"),
    Reason.PIN_NOT_SET: _("No PIN set"),
    Reason.PIN_NOT_ENTERED: _("No PIN entered"),
    Reason.CLAIM_UNKNOWN: _("Pass or number unknown"),
    Reason.FACE_MISMATCH: _("Face does not match the pass"),
    Reason.FACE_NOT_SEEN: _("No face after the pass"),
    Reason.LOCKDOWN: _("Locked down"),
    Reason.GRANTED_OFFLINE: _("Granted offline"),
    Reason.OFFLINE_UNKNOWN_NUMBER: _("Offline: number not listed"),
    Reason.OFFLINE_OUTSIDE_HOURS: _("Offline: outside hours"),
    Reason.ANTI_PASSBACK: _("Anti-passback"),
}


def reason_label(code: str) -> str:
    """A reason code as operators read it (the code itself for one this version does not
    know, such as a code recorded by an older one)."""
    try:
        return str(REASON_LABELS[Reason(code)])
    except ValueError:
        return code


PRE_DECISION_REASONS = frozenset(
    {
        Reason.SEVERAL_FACES,
        Reason.SPOOF_SUSPECTED,
        Reason.FACES_UPDATING,
        Reason.TURN_NOT_SEEN,
        Reason.PIN_WRONG,
        Reason.PIN_LOCKED,
        Reason.PIN_NOT_SET,
        Reason.PIN_NOT_ENTERED,
        Reason.CLAIM_UNKNOWN,
        Reason.FACE_MISMATCH,
        Reason.FACE_NOT_SEEN,
        Reason.LOCKDOWN,
    }
)


@dataclass(frozen=True)
class Window:
    """Open from ``start`` to ``end`` (exclusive), on the next day if ``ends_next_day``."""

    start: dt.time
    end: dt.time
    ends_next_day: bool = False

    def covers(self, day: dt.date, wall: dt.datetime) -> bool:
        """Whether this window, started on ``day``, is open at local wall time ``wall``."""
        opens = dt.datetime.combine(day, self.start)
        closes = dt.datetime.combine(day + dt.timedelta(days=int(self.ends_next_day)), self.end)
        return opens <= wall < closes


@dataclass(frozen=True)
class ScheduleFacts:
    """Weekly windows by weekday (0 = Monday) and dates that override them.

    An override date maps to its windows; an empty tuple means closed all day.
    """

    id: int
    weekly: Mapping[int, tuple[Window, ...]]
    overrides: Mapping[dt.date, tuple[Window, ...]] = field(default_factory=dict)

    def windows_starting_on(self, day: dt.date) -> tuple[Window, ...]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


class ScheduleState(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY_CLOSED = "holiday_closed"


def schedule_state(schedule: ScheduleFacts | None, wall: dt.datetime) -> ScheduleState:
    """Open or closed at local wall time ``wall`` (naive). No schedule means always open."""
    if schedule is None:
        return ScheduleState.OPEN
    today = wall.date()
    for day in (today - dt.timedelta(days=1), today):
        if any(w.covers(day, wall) for w in schedule.windows_starting_on(day)):
            return ScheduleState.OPEN
    if schedule.overrides.get(today) == ():
        return ScheduleState.HOLIDAY_CLOSED
    return ScheduleState.CLOSED


@dataclass(frozen=True)
class PersonFacts:
    id: int
    is_active: bool = True
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    group_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class GateFacts:
    id: int
    timezone: str = "UTC"
    is_active: bool = True
    group_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RuleFacts:
    id: int
    grants: bool
    person_id: int | None = None
    group_id: int | None = None
    gate_id: int | None = None
    gate_group_id: int | None = None
    schedule: ScheduleFacts | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    is_active: bool = True

    def names(self, person: PersonFacts, gate: GateFacts) -> bool:
        """Whether this rule speaks of this person at this gate (ignoring time)."""
        subject = (
            self.person_id == person.id
            if self.person_id is not None
            else (self.group_id in person.group_ids)
        )
        target = (
            self.gate_id == gate.id
            if self.gate_id is not None
            else (self.gate_group_id in gate.group_ids)
        )
        return self.is_active and subject and target

    def valid_on(self, day: dt.date) -> bool:
        return _within(day, self.valid_from, self.valid_until)


@dataclass(frozen=True)
class Decision:
    granted: bool
    reason: Reason
    rule_id: int | None = None

    @property
    def message(self) -> str:
        """Worded for the person at the door, in the active language."""
        return str(REASON_TEXT[self.reason])

    @property
    def label(self) -> str:
        """Worded for operators."""
        return str(REASON_LABELS[self.reason])


def _within(day: dt.date, first: dt.date | None, last: dt.date | None) -> bool:
    return (first is None or first <= day) and (last is None or day <= last)


def decide(
    person: PersonFacts | None,
    gate: GateFacts,
    rules: Iterable[RuleFacts],
    at: dt.datetime,
) -> Decision:
    """Decide whether ``person`` (None: nobody recognised) may pass ``gate`` at ``at``.

    ``rules`` may include rules for other people and gates; only those that name this person
    and gate count. When several rules could decide, the one with the lowest id is reported,
    so the answer is the same whatever order the rules come in.
    """
    wall = local_wall_time(at, gate.timezone)
    today = wall.date()

    if not gate.is_active:
        return Decision(False, Reason.GATE_DISABLED)
    if person is None:
        return Decision(False, Reason.UNKNOWN_FACE)
    if not person.is_active:
        return Decision(False, Reason.PERSON_INACTIVE)
    if person.valid_from is not None and today < person.valid_from:
        return Decision(False, Reason.PERSON_NOT_YET_VALID)
    if person.valid_until is not None and today > person.valid_until:
        return Decision(False, Reason.PERSON_EXPIRED)

    relevant = sorted((r for r in rules if r.names(person, gate)), key=lambda r: r.id)
    in_force = [
        r
        for r in relevant
        if r.valid_on(today) and schedule_state(r.schedule, wall) is ScheduleState.OPEN
    ]
    for rule in in_force:
        if not rule.grants:
            return Decision(False, Reason.EXPLICIT_DENY, rule.id)
    if in_force:
        return Decision(True, Reason.GRANTED, in_force[0].id)

    grants = [r for r in relevant if r.grants]
    if not grants:
        return Decision(False, Reason.NO_RULE)
    valid_today = [r for r in grants if r.valid_on(today)]
    if not valid_today:
        if all(r.valid_from is not None and today < r.valid_from for r in grants):
            return Decision(False, Reason.RULE_NOT_YET_VALID, grants[0].id)
        return Decision(False, Reason.RULE_EXPIRED, grants[0].id)
    for rule in valid_today:
        if schedule_state(rule.schedule, wall) is ScheduleState.HOLIDAY_CLOSED:
            return Decision(False, Reason.HOLIDAY_CLOSED, rule.id)
    return Decision(False, Reason.OUTSIDE_SCHEDULE, valid_today[0].id)
