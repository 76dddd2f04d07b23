"""The access overview: a person's week of access, decided quarter hour by quarter hour by
the decision function, and a site's access matrix of groups by gates."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from gates.models import GateGroup
from gates.selectors import access_decision, access_matrix, person_week
from tests.factories import (
    AccessRuleFactory,
    GateFactory,
    PersonFactory,
    PersonGroupFactory,
    ScheduleFactory,
    SiteFactory,
    holiday,
    time_window,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
SPRING_MONDAY = dt.date(2026, 3, 23)  # clocks go forward on Sunday 29 March at 02:00


@pytest.fixture
def grace():
    """Grace's group may use the main door in office hours (Wednesday is a holiday), she alone
    the dock at night, and a deny rule shuts the dock on Saturday nights."""
    from gates.models import HolidayCalendar

    site = SiteFactory(name="Berlin", timezone="Europe/Berlin")
    main, dock = GateFactory(site=site, name="Main"), GateFactory(site=site, name="Dock")
    engineering = PersonGroupFactory(name="Engineering")
    person = PersonFactory(first_name="Grace", last_name="Hopper", groups=[engineering])
    calendar = HolidayCalendar.objects.create(name="Public holidays")
    office = ScheduleFactory(name="Office hours")
    office.holiday_calendars.add(calendar)
    for weekday in range(5):
        time_window(office, weekday, "08:00", "18:00")
    holiday(calendar, SPRING_MONDAY + dt.timedelta(days=2))
    night = ScheduleFactory(name="Nights")
    for weekday in range(7):
        time_window(night, weekday, "22:00", "06:00")
    saturday = ScheduleFactory(name="Saturday night")
    time_window(saturday, 5, "20:00", "23:59")
    AccessRuleFactory(name="Engineering office", group=engineering, gate=main, schedule=office)
    AccessRuleFactory(name="Grace nights", person=person, gate=dock, schedule=night)
    AccessRuleFactory(
        name="No Saturday nights", person=person, gate=dock, schedule=saturday, effect="deny"
    )
    return person, main, dock, engineering


def test_every_quarter_hour_is_the_decision_functions_answer(grace):
    person, main, dock, _ = grace
    weeks = {w.gate: w for w in person_week(person=person, monday=SPRING_MONDAY)}
    assert set(weeks) == {main, dock}
    checked = 0
    for gate, week in weeks.items():
        for _day, slots in week.days:
            for index in range(0, 96, 3):  # every 45 minutes, all week
                slot = slots[index]
                if slot.at is None:
                    continue
                expected = access_decision(person=person, gate=gate, at=slot.at)
                assert (slot.decision.granted, slot.decision.reason) == (
                    expected.granted,
                    expected.reason,
                ), (gate, slot.at)
                checked += 1
    assert checked > 400


def test_the_week_reads_as_spans_with_holidays_nights_deny_rules_and_the_clock_change(grace):
    person, main, dock, _ = grace
    weeks = {w.gate: w for w in person_week(person=person, monday=SPRING_MONDAY)}
    main_spans = [
        (s.day.isoformat(), str(s.start)[:5], s.end and str(s.end)[:5]) for s in weeks[main].spans()
    ]
    assert main_spans == [
        ("2026-03-23", "08:00", "18:00"),
        ("2026-03-24", "08:00", "18:00"),
        # Wednesday 25 is a holiday: closed
        ("2026-03-26", "08:00", "18:00"),
        ("2026-03-27", "08:00", "18:00"),
    ]
    saturday = dict(weeks[dock].days)[dt.date(2026, 3, 28)]
    assert saturday[21 * 4].decision.reason == "explicit_deny"  # 21:00, deny wins
    assert saturday[2 * 4].decision.granted  # 02:00, Friday's night window
    sunday = dict(weeks[dock].days)[dt.date(2026, 3, 29)]
    assert sunday[2 * 4].at is None and sunday[2 * 4].decision is None  # 02:00 never happens
    assert sunday[3 * 4].decision.granted  # 03:00 summer time, still Saturday's night


def test_the_matrix_shows_each_groups_rules_per_gate(grace):
    _, main, dock, _ = grace
    contractors = PersonGroupFactory(name="Contractors")
    doors = GateGroup.objects.create(name="All doors", slug="all-doors")
    main.groups.add(doors)
    dock.groups.add(doors)
    AccessRuleFactory(name="Contractors via all doors", group=contractors, gate_group=doors)
    gates, rows = access_matrix(site=main.site)
    assert [g.name for g in gates] == ["Dock", "Main"]
    table = {group.name: [[r.name for r in c.rules] for c in cells] for group, cells in rows}
    assert table == {
        "Contractors": [["Contractors via all doors"], ["Contractors via all doors"]],
        "Engineering": [[], ["Engineering office"]],
    }


def test_who_may_open_the_overview_pages(client, users, grace):
    person, main, _, _ = grace
    week = reverse("gates:person-week", args=[person.pk]) + "?week=2026-03-25"
    matrix = reverse("gates:site-matrix", args=[main.site.pk])
    for role, expected in (("manager", 200), ("auditor", 200), ("desk", 200), ("outsider", 403)):
        client.force_login(users[role])
        assert client.get(week).status_code == expected, role
        assert client.get(matrix).status_code == expected, role
    client.force_login(users["auditor"])
    page = client.get(week).content.decode()
    assert "Engineering office" in page and "Mon 23 Mar" in page
    assert (
        reverse("gates:person-week", args=[person.pk]).encode()
        in client.get(reverse("admin:people_person_change", args=[person.pk])).content
    )
