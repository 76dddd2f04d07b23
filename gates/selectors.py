"""Reads: turn database rows into decision facts, and answer access questions with them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

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
from gates.models import AccessRule, Gate, Holiday, Schedule
from people.models import Person

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


def person_where_may_go(*, person: Person, at: dt.datetime) -> list[GateForPerson]:
    """Every gate a rule names for this person, with the decision at each at ``at``."""
    person = Person.objects.prefetch_related("groups").get(pk=person.pk)
    rules = list(_rules_for_person(person))
    facts = rule_facts(rules, at=at)
    person_fact = person_facts(person)
    gates = (
        Gate.objects.filter(Q(access_rules__in=rules) | Q(groups__access_rules__in=rules))
        .distinct()
        .select_related("site")
        .prefetch_related("groups")
    )
    answers = [GateForPerson(g, decide(person_fact, gate_facts(g), facts, at)) for g in gates]
    return sorted(answers, key=lambda a: (not a.decision.granted, str(a.gate)))
