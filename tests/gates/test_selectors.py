"""The database side of decisions: facts loaded from rows decide as the rows say."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gates.decisions import Reason
from gates.models import AccessRule, HolidayCalendar
from gates.selectors import access_decision, gate_who_may_pass, person_where_may_go
from tests.factories import (
    AccessRuleFactory,
    GateFactory,
    GateGroupFactory,
    PersonFactory,
    PersonGroupFactory,
    ScheduleFactory,
    holiday,
    time_window,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, tzinfo=BERLIN)


@pytest.fixture
def office():
    schedule = ScheduleFactory(name="Office")
    for day in range(5):
        time_window(schedule, day, "08:00", "18:00")
    return schedule


def test_group_rule_through_gate_group(office):
    staff = PersonGroupFactory()
    ada = PersonFactory(groups=[staff])
    perimeter = GateGroupFactory()
    gate = GateFactory(groups=[perimeter])
    rule = AccessRuleFactory(group=staff, gate_group=perimeter, schedule=office)

    decision = access_decision(person=ada, gate=gate, at=MONDAY_10)
    assert (decision.granted, decision.rule_id) == (True, rule.id)
    assert (
        access_decision(person=ada, gate=gate, at=MONDAY_10.replace(hour=19)).reason
        is Reason.OUTSIDE_SCHEDULE
    )


def test_holidays_from_several_calendars_merge_and_closed_wins(office):
    ada = PersonFactory()
    gate = GateFactory()
    AccessRuleFactory(person=ada, gate=gate, schedule=office)
    national, company = (
        HolidayCalendar.objects.create(name="N"),
        HolidayCalendar.objects.create(name="C"),
    )
    office.holiday_calendars.set([national, company])
    holiday(national, MONDAY_10.date(), ("09:00", "12:00"))
    holiday(company, MONDAY_10.date(), ("14:00", "16:00"))
    assert access_decision(person=ada, gate=gate, at=MONDAY_10).granted
    assert access_decision(person=ada, gate=gate, at=MONDAY_10.replace(hour=15)).granted
    assert (
        access_decision(person=ada, gate=gate, at=MONDAY_10.replace(hour=13)).reason
        is Reason.OUTSIDE_SCHEDULE
    )

    holiday(HolidayCalendar.objects.create(name="Strike"), MONDAY_10.date())
    office.holiday_calendars.add(HolidayCalendar.objects.get(name="Strike"))
    assert access_decision(person=ada, gate=gate, at=MONDAY_10).reason is Reason.HOLIDAY_CLOSED


def test_unknown_face_needs_no_rules():
    assert (
        access_decision(person=None, gate=GateFactory(), at=MONDAY_10).reason is Reason.UNKNOWN_FACE
    )


def test_who_may_pass_lists_granted_first_with_reasons(office):
    gate = GateFactory()
    staff = PersonGroupFactory()
    ada = PersonFactory(last_name="Lovelace", groups=[staff])
    alan = PersonFactory(last_name="Turing", groups=[staff])
    PersonFactory(last_name="Nobody")  # no rule names them
    AccessRuleFactory(group=staff, gate=gate, schedule=office)
    AccessRuleFactory(person=alan, gate=gate, effect=AccessRule.Effect.DENY)

    answers = gate_who_may_pass(gate=gate, at=MONDAY_10)
    assert [(a.person, a.decision.reason) for a in answers] == [
        (ada, Reason.GRANTED),
        (alan, Reason.EXPLICIT_DENY),
    ]


def test_where_may_go_covers_direct_and_group_rules(office):
    staff = PersonGroupFactory()
    ada = PersonFactory(groups=[staff])
    lobby, lab, other = (
        GateFactory(name="Lobby"),
        GateFactory(name="Lab"),
        GateFactory(name="Other"),
    )
    AccessRuleFactory(group=staff, gate=lobby)
    AccessRuleFactory(person=ada, gate=lab, schedule=office)

    answers = {
        a.gate: a.decision.reason
        for a in person_where_may_go(person=ada, at=MONDAY_10.replace(hour=20))
    }
    assert answers == {lobby: Reason.GRANTED, lab: Reason.OUTSIDE_SCHEDULE}
    assert other not in answers


def test_query_count_does_not_grow_with_people(office, django_assert_max_num_queries):
    gate = GateFactory()
    staff = PersonGroupFactory()
    for _ in range(30):
        PersonFactory(groups=[staff])
    AccessRuleFactory(group=staff, gate=gate, schedule=office)
    with django_assert_max_num_queries(15):
        assert len(gate_who_may_pass(gate=gate, at=MONDAY_10)) == 30
