"""Property tests: ``decide`` agrees with a deliberately simple reference model.

The reference works in whole minutes on a day-number line (``date.toordinal() * 1440 +
minute``) instead of datetimes, enumerates nothing cleverly, and states the precedence of
reasons as a flat list, so a shared mistake in time arithmetic is unlikely.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from gates.decisions import (
    Decision,
    GateFacts,
    PersonFacts,
    Reason,
    RuleFacts,
    ScheduleFacts,
    ScheduleState,
    Window,
    decide,
    local_wall_time,
    schedule_state,
)

# Zones with DST (both hemispheres, a 30-minute shift), without, and far from UTC.
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/Santiago",
]
# Short spans starting just before a DST change somewhere (US, EU, Australia, Chile, Lord
# Howe, both directions), so changes, holidays and validity edges fall inside them often.
BASE_DAYS = [
    dt.date(2026, 3, 6),
    dt.date(2026, 3, 27),
    dt.date(2026, 4, 3),
    dt.date(2026, 9, 4),
    dt.date(2026, 10, 2),
    dt.date(2026, 10, 23),
    dt.date(2026, 10, 30),
]
DAYS = 4

# A window as the reference sees it: start minute of day and length in minutes (15..1440).
day_span = st.tuples(
    st.integers(0, 95).map(lambda q: q * 15), st.integers(1, 96).map(lambda q: q * 15)
)
# Evening starts running past midnight: the case plain integers would rarely produce.
night_span = st.integers(64, 95).flatmap(
    lambda q: st.tuples(st.just(q * 15), st.integers(96 - q, 96).map(lambda n: n * 15))
)
span = st.one_of(day_span, night_span)


def window_of(start: int, length: int) -> Window:
    end = (start + length) % 1440
    return Window(
        dt.time(start // 60, start % 60),
        dt.time(end // 60, end % 60),
        ends_next_day=start + length >= 1440,
    )


def days_around(base: dt.date, lo: int, hi: int):
    return st.integers(lo, hi).map(lambda d: base + dt.timedelta(days=d))


@st.composite
def schedules(draw, schedule_id: int, base: dt.date):
    weekly = draw(st.dictionaries(st.integers(0, 6), st.lists(span, max_size=3), max_size=7))
    overrides = draw(
        st.dictionaries(days_around(base, -1, DAYS), st.lists(span, max_size=2), max_size=3)
    )
    return {"id": schedule_id, "weekly": weekly, "overrides": overrides}


def schedule_facts(spec) -> ScheduleFacts:
    return ScheduleFacts(
        id=spec["id"],
        weekly={d: tuple(window_of(*s) for s in spans) for d, spans in spec["weekly"].items()},
        overrides={
            d: tuple(window_of(*s) for s in spans) for d, spans in spec["overrides"].items()
        },
    )


def mostly(draw, one_in: int = 8) -> bool:
    """True, except about once in ``one_in`` draws (plain booleans would be False half the
    time and spend the examples on the early exits)."""
    return draw(st.integers(0, one_in - 1)) != one_in - 1


def ordered(a, b):
    if a is not None and b is not None and b < a:
        return b, a
    return a, b


@st.composite
def worlds(draw):
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASE_DAYS))
    maybe_day = st.one_of(st.none(), st.none(), days_around(base, -1, DAYS + 1))
    person_groups = frozenset(draw(st.sets(st.integers(1, 3), min_size=1, max_size=3)))
    gate_groups = frozenset(draw(st.sets(st.integers(1, 3), min_size=1, max_size=3)))
    p_from, p_until = ordered(draw(maybe_day), draw(maybe_day))
    person = PersonFacts(
        id=1,
        is_active=mostly(draw),
        valid_from=p_from,
        valid_until=p_until,
        group_ids=person_groups,
    )
    gate = GateFacts(id=1, timezone=zone, is_active=mostly(draw), group_ids=gate_groups)
    specs = [draw(schedules(i, base)) for i in range(1, 4)]
    rules = []
    for rule_id in draw(st.sets(st.integers(1, 50), min_size=1, max_size=4)):
        by_person = draw(st.booleans())
        to_gate = draw(st.booleans())
        r_from, r_until = ordered(draw(maybe_day), draw(maybe_day))
        schedule = draw(st.one_of(st.none(), st.sampled_from(specs)))
        rules.append(
            (
                RuleFacts(
                    id=rule_id,
                    grants=mostly(draw, 4),
                    person_id=(1 if mostly(draw, 4) else 2) if by_person else None,
                    group_id=None if by_person else draw(st.integers(1, 4)),
                    gate_id=(1 if mostly(draw, 4) else 2) if to_gate else None,
                    gate_group_id=None if to_gate else draw(st.integers(1, 4)),
                    schedule=schedule_facts(schedule) if schedule else None,
                    valid_from=r_from,
                    valid_until=r_until,
                    is_active=mostly(draw),
                ),
                schedule,
            )
        )
    at = draw(instants(base, zone, specs))
    recognised = mostly(draw)
    return person if recognised else None, gate, rules, at


@st.composite
def instants(draw, base: dt.date, zone: str, specs):
    """Any minute of the span, or (half the time) the very edge of a window or of a local
    day, give or take a second, where off-by-one mistakes live."""
    just_before = dt.timedelta(seconds=draw(st.sampled_from([0, 0, 1])))
    aim = draw(st.sampled_from(["anywhere", "window_edge", "local_midnight"]))
    day = draw(days_around(base, 0, DAYS - 1))
    minute_of_day = None
    if aim == "window_edge":
        spec = draw(st.sampled_from(specs))
        spans = ref_spans_starting(spec, day.toordinal())
        if spans:
            start, length = draw(st.sampled_from(spans))
            minute_of_day = start + draw(st.sampled_from([0, length]))
    elif aim == "local_midnight":
        minute_of_day = 0
    if minute_of_day is None:
        minutes = draw(st.integers(0, DAYS * 1440))
        return (
            dt.datetime.combine(base, dt.time(), tzinfo=dt.UTC)
            + dt.timedelta(minutes=minutes)
            - just_before
        )
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute_of_day)
    local = wall.replace(tzinfo=ZoneInfo(zone), fold=draw(st.integers(0, 1)))
    return local.astimezone(dt.UTC) - just_before


# --- The reference model ----------------------------------------------------------------------


def ref_minute(at: dt.datetime, zone: str) -> int:
    local = at.astimezone(ZoneInfo(zone))
    return local.date().toordinal() * 1440 + local.hour * 60 + local.minute


def ref_spans_starting(spec, day_number: int):
    day = dt.date.fromordinal(day_number)
    if day in spec["overrides"]:
        return spec["overrides"][day]
    return spec["weekly"].get(day.weekday(), [])


def ref_open(spec, minute: int) -> bool:
    if spec is None:
        return True
    today = minute // 1440
    return any(
        day * 1440 + start <= minute < day * 1440 + start + length
        for day in (today - 1, today)
        for start, length in ref_spans_starting(spec, day)
    )


def ref_holiday_closed(spec, minute: int) -> bool:
    day = dt.date.fromordinal(minute // 1440)
    return spec is not None and spec["overrides"].get(day) == [] and not ref_open(spec, minute)


def ref_in_days(day_number: int, first, last) -> bool:
    lo = first.toordinal() if first else -(10**9)
    hi = last.toordinal() if last else 10**9
    return lo <= day_number <= hi


def ref_decide(person, gate, rules, at) -> tuple[bool, str, int | None]:
    minute = ref_minute(at, gate.timezone)
    today = minute // 1440
    if not gate.is_active:
        return False, "gate_disabled", None
    if person is None:
        return False, "unknown_face", None
    if not person.is_active:
        return False, "person_inactive", None
    if person.valid_from and today < person.valid_from.toordinal():
        return False, "person_not_yet_valid", None
    if person.valid_until and today > person.valid_until.toordinal():
        return False, "person_expired", None
    mine = [
        (r, spec)
        for r, spec in rules
        if r.is_active
        and (r.person_id == person.id or (r.person_id is None and r.group_id in person.group_ids))
        and (r.gate_id == gate.id or (r.gate_id is None and r.gate_group_id in gate.group_ids))
    ]
    live = [
        (r, s)
        for r, s in mine
        if ref_in_days(today, r.valid_from, r.valid_until) and ref_open(s, minute)
    ]
    denies = sorted(r.id for r, _ in live if not r.grants)
    if denies:
        return False, "explicit_deny", denies[0]
    grants_now = sorted(r.id for r, _ in live if r.grants)
    if grants_now:
        return True, "granted", grants_now[0]
    grants = sorted(((r, s) for r, s in mine if r.grants), key=lambda rs: rs[0].id)
    if not grants:
        return False, "no_rule", None
    current = [(r, s) for r, s in grants if ref_in_days(today, r.valid_from, r.valid_until)]
    if not current:
        future = all(r.valid_from and today < r.valid_from.toordinal() for r, _ in grants)
        return False, "rule_not_yet_valid" if future else "rule_expired", grants[0][0].id
    closed = [r.id for r, s in current if ref_holiday_closed(s, minute)]
    if closed:
        return False, "holiday_closed", closed[0]
    return False, "outside_schedule", current[0][0].id


def as_tuple(decision: Decision) -> tuple[bool, str, int | None]:
    return decision.granted, decision.reason.value, decision.rule_id


# --- The properties ---------------------------------------------------------------------------

PROFILE = settings(max_examples=300, deadline=None)


@PROFILE
@given(worlds())
def test_decide_agrees_with_reference_model(world):
    person, gate, rules, at = world
    assert as_tuple(decide(person, gate, [r for r, _ in rules], at)) == ref_decide(
        person, gate, rules, at
    )


@st.composite
def schedule_at_instants(draw):
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASE_DAYS))
    spec = draw(schedules(1, base))
    return zone, spec, draw(instants(base, zone, [spec]))


@settings(max_examples=1500, deadline=None)
@given(schedule_at_instants())
def test_schedule_state_agrees_with_reference_model(case):
    """Every example exercises the time arithmetic: DST, midnight, holidays, window edges."""
    zone, spec, at = case
    minute = ref_minute(at, zone)
    expected = (
        ScheduleState.OPEN
        if ref_open(spec, minute)
        else ScheduleState.HOLIDAY_CLOSED
        if ref_holiday_closed(spec, minute)
        else ScheduleState.CLOSED
    )
    assert schedule_state(schedule_facts(spec), local_wall_time(at, zone)) is expected


@PROFILE
@given(worlds(), st.randoms())
def test_rule_order_does_not_matter(world, rnd: random.Random):
    person, gate, rules, at = world
    facts = [r for r, _ in rules]
    shuffled = facts[:]
    rnd.shuffle(shuffled)
    assert decide(person, gate, facts, at) == decide(person, gate, shuffled, at)


@PROFILE
@given(worlds())
def test_same_instant_in_any_zone_of_expression_decides_the_same(world):
    person, gate, rules, at = world
    facts = [r for r, _ in rules]
    elsewhere = at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert decide(person, gate, facts, at) == decide(person, gate, facts, elsewhere)


@PROFILE
@given(worlds())
def test_a_deny_rule_in_force_always_wins(world):
    person, gate, rules, at = world
    if person is None or not gate.is_active:
        return
    blanket_deny = RuleFacts(id=999, grants=False, person_id=person.id, gate_id=gate.id)
    decision = decide(person, gate, [r for r, _ in rules] + [blanket_deny], at)
    assert not decision.granted
    if decision.reason is Reason.EXPLICIT_DENY:
        assert decision.rule_id is not None


@PROFILE
@given(worlds())
def test_a_standing_grant_admits_every_valid_person_not_denied(world):
    person, gate, rules, at = world
    facts = [r for r, _ in rules]
    before = decide(person, gate, facts, at)
    standing = RuleFacts(id=0, grants=True, person_id=person.id if person else 1, gate_id=gate.id)
    after = decide(person, gate, [*facts, standing], at)
    if before.reason in {
        Reason.NO_RULE,
        Reason.OUTSIDE_SCHEDULE,
        Reason.HOLIDAY_CLOSED,
        Reason.RULE_EXPIRED,
        Reason.RULE_NOT_YET_VALID,
        Reason.GRANTED,
    }:
        assert after.granted
    else:
        assert after == before


@PROFILE
@given(worlds())
def test_a_granted_decision_names_a_grant_rule_for_this_person_and_gate(world):
    person, gate, rules, at = world
    facts = {r.id: r for r, _ in rules}
    decision = decide(person, gate, facts.values(), at)
    if decision.granted:
        rule = facts[decision.rule_id]
        assert rule.grants and rule.names(person, gate)


@PROFILE
@given(worlds())
def test_rules_for_other_gates_and_people_change_nothing(world):
    person, gate, rules, at = world
    facts = [r for r, _ in rules]
    noise = [
        replace(
            r,
            id=r.id + 1000,
            person_id=77 if r.person_id else None,
            group_id=77 if r.group_id else None,
        )
        for r in facts
    ]
    assert decide(person, gate, facts, at) == decide(person, gate, facts + noise, at)
