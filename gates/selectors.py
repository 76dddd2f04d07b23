"""Reads: turn database rows into decision facts, and answer access questions with them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet

from gates.decisions import (
    Decision,
    GateFacts,
    PersonFacts,
    RuleFacts,
    ScheduleFacts,
    Window,
    decide,
)
from gates.models import AccessRule, Gate, Holiday, Schedule, Site
from people.models import Person, PersonGroup

# Holidays are loaded for the days around the instant: the site-local "today" and "yesterday"
# can be up to a day and a half away from the UTC date, whatever the time zone.
_HOLIDAY_MARGIN = dt.timedelta(days=2)


def _window(row: object) -> Window:
    return Window(row.start, row.end, row.ends_next_day)  # type: ignore[attr-defined]


def schedule_facts(schedules: Iterable[Schedule], *, at: dt.datetime) -> dict[int, ScheduleFacts]:
    """Facts for each schedule, with holiday overrides for the dates around ``at``.

    A date in several of a schedule's calendars is closed if any of them closes it, and
    otherwise open in the union of their special windows.
    """
    schedules = list(schedules)
    day = at.astimezone(dt.UTC).date()
    holidays = (
        Holiday.objects.filter(
            calendar__schedules__in=schedules,
            date__range=(day - _HOLIDAY_MARGIN, day + _HOLIDAY_MARGIN),
        )
        .prefetch_related("windows")
        .distinct()
    )
    calendar_days: dict[int, dict[dt.date, list[tuple[Window, ...]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for holiday in holidays:
        calendar_days[holiday.calendar_id][holiday.date].append(
            tuple(_window(w) for w in holiday.windows.all())
        )
    facts = {}
    for schedule in schedules:
        weekly: dict[int, list[Window]] = defaultdict(list)
        for row in schedule.windows.all():
            weekly[row.weekday].append(_window(row))
        merged: dict[dt.date, list[tuple[Window, ...]]] = defaultdict(list)
        for calendar in schedule.holiday_calendars.all():
            for date, entries in calendar_days[calendar.id].items():
                merged[date].extend(entries)
        overrides = {
            date: () if any(not e for e in entries) else tuple(w for e in entries for w in e)
            for date, entries in merged.items()
        }
        facts[schedule.id] = ScheduleFacts(
            id=schedule.id, weekly={k: tuple(v) for k, v in weekly.items()}, overrides=overrides
        )
    return facts


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(
        id=person.id,
        is_active=person.is_active,
        valid_from=person.valid_from,
        valid_until=person.valid_until,
        group_ids=frozenset(g.id for g in person.groups.all()),
    )


def gate_facts(gate: Gate) -> GateFacts:
    return GateFacts(
        id=gate.id,
        timezone=gate.site.timezone,
        is_active=gate.is_active,
        group_ids=frozenset(g.id for g in gate.groups.all()),
    )


def _rules_with_schedules() -> QuerySet[AccessRule]:
    return AccessRule.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "schedule",
            queryset=Schedule.objects.prefetch_related("windows", "holiday_calendars"),
        )
    )


def rule_facts(rules: Iterable[AccessRule], *, at: dt.datetime) -> list[RuleFacts]:
    rules = list(rules)
    schedules = schedule_facts({r.schedule for r in rules if r.schedule}, at=at)
    return [
        RuleFacts(
            id=r.id,
            grants=r.effect == AccessRule.Effect.GRANT,
            person_id=r.person_id,
            group_id=r.group_id,
            gate_id=r.gate_id,
            gate_group_id=r.gate_group_id,
            schedule=schedules[r.schedule_id] if r.schedule_id else None,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            is_active=r.is_active,
        )
        for r in rules
    ]


def _rules_for_gate(gate: Gate) -> QuerySet[AccessRule]:
    return _rules_with_schedules().filter(Q(gate=gate) | Q(gate_group__gates=gate)).distinct()


def _rules_for_person(person: Person) -> QuerySet[AccessRule]:
    return _rules_with_schedules().filter(Q(person=person) | Q(group__members=person)).distinct()


def access_decision(*, person: Person | None, gate: Gate, at: dt.datetime) -> Decision:
    """The decision for one person (None: nobody recognised) at one gate at one instant."""
    rules = rule_facts(_rules_for_gate(gate), at=at) if person is not None else []
    return decide(person_facts(person) if person else None, gate_facts(gate), rules, at)


@dataclass(frozen=True)
class PersonAtGate:
    person: Person
    decision: Decision


@dataclass(frozen=True)
class GateForPerson:
    gate: Gate
    decision: Decision


def gate_who_may_pass(*, gate: Gate, at: dt.datetime) -> list[PersonAtGate]:
    """Everyone a rule names for this gate, with the decision for each at ``at``.

    Granted people come first; the others say why not (outside schedule, expired...).
    """
    gate = Gate.objects.select_related("site").prefetch_related("groups").get(pk=gate.pk)
    rules = list(_rules_for_gate(gate))
    facts = rule_facts(rules, at=at)
    gate_fact = gate_facts(gate)
    people = (
        Person.objects.filter(Q(access_rules__in=rules) | Q(groups__access_rules__in=rules))
        .distinct()
        .prefetch_related("groups")
    )
    answers = [PersonAtGate(p, decide(person_facts(p), gate_fact, facts, at)) for p in people]
    return sorted(
        answers, key=lambda a: (not a.decision.granted, a.person.last_name, a.person.first_name)
    )


def _person_rules_and_gates(person: Person) -> tuple[PersonFacts, list[AccessRule], QuerySet[Gate]]:
    """A person's facts, the active rules naming them (or their groups), and the gates those
    rules name (directly or through gate groups)."""
    person = Person.objects.prefetch_related("groups").get(pk=person.pk)
    rules = list(_rules_for_person(person))
    gates = (
        Gate.objects.filter(Q(access_rules__in=rules) | Q(groups__access_rules__in=rules))
        .distinct()
        .select_related("site")
        .prefetch_related("groups")
    )
    return person_facts(person), rules, gates


def person_where_may_go(*, person: Person, at: dt.datetime) -> list[GateForPerson]:
    """Every gate a rule names for this person, with the decision at each at ``at``."""
    person_fact, rules, gates = _person_rules_and_gates(person)
    facts = rule_facts(rules, at=at)
    answers = [GateForPerson(g, decide(person_fact, gate_facts(g), facts, at)) for g in gates]
    return sorted(answers, key=lambda a: (not a.decision.granted, str(a.gate)))


SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES


@dataclass(frozen=True)
class WeekSlot:
    """One quarter hour of one day at one gate: the decision at its first instant, or None
    where that wall-clock time does not exist (a daylight-saving gap)."""

    at: dt.datetime | None
    decision: Decision | None


@dataclass(frozen=True)
class OpenSpan:
    day: dt.date
    start: dt.time
    end: dt.time | None  # None: until midnight
    rule_id: int | None


@dataclass(frozen=True)
class GateWeek:
    gate: Gate
    days: list[tuple[dt.date, list[WeekSlot]]]

    def spans(self) -> list[OpenSpan]:
        """The granted quarter hours of each day, joined into spans (per deciding rule)."""
        found = []
        for day, slots in self.days:
            start = None
            for index, slot in enumerate([*slots, None]):
                decision = slot.decision if slot is not None else None
                granted = decision is not None and decision.granted
                rule = decision.rule_id if decision is not None and granted else None
                if start is not None and (not granted or rule != start[1]):
                    end = None if index == len(slots) else _slot_time(index)
                    found.append(OpenSpan(day, _slot_time(start[0]), end, start[1]))
                    start = None
                if granted and start is None:
                    start = (index, rule)
        return found


def _slot_time(index: int) -> dt.time:
    minutes = index * SLOT_MINUTES
    return dt.time(minutes // 60, minutes % 60)


def _local_instant(day: dt.date, slot: int, zone: ZoneInfo) -> dt.datetime | None:
    """The aware instant of a site-local wall-clock time, or None if it does not exist."""
    wall = dt.datetime.combine(day, _slot_time(slot))
    instant = wall.replace(tzinfo=zone)
    if instant.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None  # skipped by a spring-forward change
    return instant


def person_week(*, person: Person, monday: dt.date) -> list[GateWeek]:
    """Where and when ``person`` may go in the week starting ``monday``: every gate a rule
    names for them, each quarter hour decided by the decision function itself (so holidays,
    validity dates, deny rules and daylight-saving changes are all as at a kiosk)."""
    person_fact, rules, gates = _person_rules_and_gates(person)
    gates = gates.order_by("site__name", "name")
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    # Rule facts hold the holidays around an instant: one set per day, taken at its noon.
    facts_by_day = {
        day: rule_facts(rules, at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC))
        for day in days
    }
    weeks = []
    for gate in gates:
        zone, gate_fact = ZoneInfo(gate.site.timezone), gate_facts(gate)
        gate_days = []
        for day in days:
            slots = []
            for index in range(SLOTS_PER_DAY):
                at = _local_instant(day, index, zone)
                decision = decide(person_fact, gate_fact, facts_by_day[day], at) if at else None
                slots.append(WeekSlot(at, decision))
            gate_days.append((day, slots))
        weeks.append(GateWeek(gate, gate_days))
    return weeks


@dataclass(frozen=True)
class MatrixCell:
    rules: list[AccessRule]

    @property
    def empty(self) -> bool:
        return not self.rules


def access_matrix(*, site: Site) -> tuple[list[Gate], list[tuple[PersonGroup, list[MatrixCell]]]]:
    """Groups by the site's gates: in each cell, the active group rules that name that gate
    (directly or through a gate group), with their schedules."""
    from people.models import PersonGroup

    gates = list(site.gates.prefetch_related("groups").order_by("name"))
    rules = list(
        AccessRule.objects.filter(is_active=True, group__isnull=False)
        .filter(Q(gate__in=gates) | Q(gate_group__gates__in=gates))
        .select_related("schedule", "gate", "gate_group")
        .distinct()
        .order_by("id")
    )
    rows = []
    for group in PersonGroup.objects.order_by("name"):
        cells = []
        for gate in gates:
            gate_group_ids = {g.pk for g in gate.groups.all()}
            cells.append(
                MatrixCell(
                    [
                        r
                        for r in rules
                        if r.group_id == group.pk
                        and (r.gate_id == gate.pk or r.gate_group_id in gate_group_ids)
                    ]
                )
            )
        if any(not c.empty for c in cells):
            rows.append((group, cells))
    return gates, rows


def gate_open_spans(
    *, gate: Gate, start: dt.datetime, hours: int
) -> list[tuple[Person, list[tuple[dt.datetime, dt.datetime]]]]:
    """Who may pass ``gate`` in the ``hours`` from ``start``, and when: each person a rule
    names for it, with the spans (start, end) in which the decision function grants them,
    quarter hour by quarter hour (the offline allow-list's "when"). People never granted in
    that time are left out."""
    gate = Gate.objects.select_related("site").prefetch_related("groups").get(pk=gate.pk)
    rules = list(_rules_for_gate(gate))
    gate_fact = gate_facts(gate)
    step = dt.timedelta(minutes=SLOT_MINUTES)
    first = start.replace(second=0, microsecond=0)
    first -= dt.timedelta(minutes=first.minute % SLOT_MINUTES)
    slots = [first + step * n for n in range(hours * 60 // SLOT_MINUTES + 1)]
    # Rule facts hold the holidays around an instant: one set per day.
    facts_by_day: dict[dt.date, list[RuleFacts]] = {}
    for at in slots:
        if at.date() not in facts_by_day:
            facts_by_day[at.date()] = rule_facts(rules, at=at)
    people = (
        Person.objects.filter(Q(access_rules__in=rules) | Q(groups__access_rules__in=rules))
        .distinct()
        .prefetch_related("groups")
    )
    found = []
    for person in people:
        fact = person_facts(person)
        spans: list[tuple[dt.datetime, dt.datetime]] = []
        for at in slots:
            if not decide(fact, gate_fact, facts_by_day[at.date()], at).granted:
                continue
            if spans and spans[-1][1] == at:
                spans[-1] = (spans[-1][0], at + step)
            else:
                spans.append((at, at + step))
        if spans:
            found.append((person, spans))
    return found
