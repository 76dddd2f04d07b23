"""Demo data: a site, three gates, schedules, holidays, people in groups, rules, and users.

Loading is idempotent: every object is found by a natural key (slug, name, employee number)
and created only when missing, so running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from gates import roles
from gates.models import (
    AccessRule,
    Gate,
    GateGroup,
    Holiday,
    HolidayCalendar,
    HolidayWindow,
    Schedule,
    Site,
    TimeWindow,
)
from people.models import Person, PersonGroup

WEEKDAYS = range(0, 5)

# username -> role group (None: superuser)
DEMO_USERS = {
    "admin": None,
    "manager": roles.MANAGERS,
    "auditor": roles.AUDITORS,
    "desk": roles.SECURITY_DESK,
}


@dataclass(frozen=True)
class DemoCredentials:
    password: str
    usernames: tuple[str, ...]
    created: bool


def _password(path: Path) -> tuple[str, bool]:
    """The demo password, generated once and kept (mode 0600) so a rerun can print it."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return password, True


def _windows(schedule: Schedule, spans: list[tuple[int, str, str, bool]]) -> None:
    if schedule.windows.exists():
        return
    TimeWindow.objects.bulk_create(
        TimeWindow(
            schedule=schedule,
            weekday=day,
            start=dt.time.fromisoformat(start),
            end=dt.time.fromisoformat(end),
            ends_next_day=next_day,
        )
        for day, start, end, next_day in spans
    )


@transaction.atomic
def demo_load() -> DemoCredentials:
    site, _ = Site.objects.get_or_create(
        slug="headquarters",
        defaults={
            "name": "Headquarters",
            "timezone": "Europe/Berlin",
            "address": "Friedrichstraße 1, 10117 Berlin",
        },
    )
    main, _ = Gate.objects.get_or_create(
        slug="main-entrance", defaults={"site": site, "name": "Main entrance", "direction": "both"}
    )
    dock, _ = Gate.objects.get_or_create(
        slug="loading-dock", defaults={"site": site, "name": "Loading dock", "direction": "in"}
    )
    server_room, _ = Gate.objects.get_or_create(
        slug="server-room", defaults={"site": site, "name": "Server room", "direction": "in"}
    )
    perimeter, _ = GateGroup.objects.get_or_create(
        slug="perimeter",
        defaults={"name": "Perimeter", "description": "Doors from the street into the building."},
    )
    perimeter.gates.add(main, dock)

    calendar, _ = HolidayCalendar.objects.get_or_create(name="Berlin public holidays")
    for date, name, windows in [
        (dt.date(2026, 12, 24), "Christmas Eve (mornings only)", [("08:00", "12:00")]),
        (dt.date(2026, 12, 25), "Christmas Day", []),
        (dt.date(2026, 12, 26), "Second day of Christmas", []),
        (dt.date(2027, 1, 1), "New Year's Day", []),
        (dt.date(2027, 3, 8), "International Women's Day", []),
    ]:
        holiday, created = Holiday.objects.get_or_create(
            calendar=calendar, date=date, defaults={"name": name}
        )
        if created:
            for start, end in windows:
                HolidayWindow.objects.create(
                    holiday=holiday,
                    start=dt.time.fromisoformat(start),
                    end=dt.time.fromisoformat(end),
                )

    office, _ = Schedule.objects.get_or_create(
        name="Office hours", defaults={"description": "Weekdays 07:00–20:00, closed on holidays."}
    )
    office.holiday_calendars.add(calendar)
    _windows(office, [(d, "07:00", "20:00", False) for d in WEEKDAYS])
    night, _ = Schedule.objects.get_or_create(
        name="Night shift", defaults={"description": "Weeknights 21:00–06:00."}
    )
    _windows(night, [(d, "21:00", "06:00", True) for d in WEEKDAYS])
    extended, _ = Schedule.objects.get_or_create(
        name="Extended hours", defaults={"description": "Every day 06:00–23:00."}
    )
    _windows(extended, [(d, "06:00", "23:00", False) for d in range(7)])

    groups = {}
    for slug, name, kind in [
        ("engineering", "Engineering", "department"),
        ("facilities", "Facilities", "department"),
        ("cleaning-contractors", "Cleaning contractors", "contractors"),
        ("visitors", "Visitors", "visitors"),
    ]:
        groups[slug], _ = PersonGroup.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind}
        )

    today = dt.date.today()
    people = {}
    staff: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("E-1001", "Ada", "Lovelace", "engineering", {}),
        ("E-1002", "Alan", "Turing", "engineering", {}),
        ("E-1003", "Grace", "Hopper", "engineering", {}),
        ("F-2001", "Katherine", "Johnson", "facilities", {}),
        (
            "F-2002",
            "Tim",
            "Berners-Lee",
            "facilities",
            {"is_active": False, "notes": "On sabbatical."},
        ),
        (
            "C-3001",
            "Radia",
            "Perlman",
            "cleaning-contractors",
            {"valid_until": today + dt.timedelta(days=180)},
        ),
        (
            "C-3002",
            "Ken",
            "Thompson",
            "cleaning-contractors",
            {"valid_until": today - dt.timedelta(days=30), "notes": "Contract ended."},
        ),
        (
            "V-4001",
            "Barbara",
            "Liskov",
            "visitors",
            {"valid_from": today, "valid_until": today + dt.timedelta(days=7)},
        ),
    ]
    for number, first, last, group, extra in staff:
        person, created = Person.objects.get_or_create(
            employee_number=number,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{last.lower()}@example.com",
                **extra,
            },
        )
        if created:
            person.groups.add(groups[group])
        people[number] = person

    rules: list[tuple[str, dict[str, Any]]] = [
        (
            "Engineering: perimeter in office hours",
            {"group": groups["engineering"], "gate_group": perimeter, "schedule": office},
        ),
        (
            "Facilities: perimeter, extended hours",
            {"group": groups["facilities"], "gate_group": perimeter, "schedule": extended},
        ),
        (
            "Facilities: server room, extended hours",
            {"group": groups["facilities"], "gate": server_room, "schedule": extended},
        ),
        (
            "Cleaning: loading dock at night",
            {"group": groups["cleaning-contractors"], "gate": dock, "schedule": night},
        ),
        (
            "Visitors: main entrance in office hours",
            {"group": groups["visitors"], "gate": main, "schedule": office},
        ),
        (
            "Ada: server room in office hours",
            {"person": people["E-1001"], "gate": server_room, "schedule": office},
        ),
        (
            "Alan: barred from the server room",
            {
                "person": people["E-1002"],
                "gate": server_room,
                "effect": AccessRule.Effect.DENY,
                "notes": "Pending security review.",
            },
        ),
    ]
    for name, fields in rules:
        AccessRule.objects.get_or_create(name=name, defaults=fields)

    password, created = _password(Path(settings.DEMO_CREDENTIALS_FILE))
    for username, role in DEMO_USERS.items():
        user, user_created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "is_staff": True,
                "is_superuser": role is None,
            },
        )
        if user_created:
            user.set_password(password)
            user.save(update_fields=["password"])
            if role:
                user.groups.add(Group.objects.get(name=role))
    return DemoCredentials(password=password, usernames=tuple(DEMO_USERS), created=created)
