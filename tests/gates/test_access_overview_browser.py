"""The access overview in headless Chromium: a person's week, read cell by cell off the page,
agrees with the decision function at a set of instants; the access matrix shows the site's
group rules. Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS``."""

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.processes import Server, browser_sign_in, chromium_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "overview-test-password"
WEEK = "2026-03-23"  # Monday; Wednesday 25 is a holiday; clocks go forward on Sunday 29
pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    import datetime as dt
    from django.contrib.auth.models import Group, User
    from gates.models import AccessRule, Gate, Holiday, HolidayCalendar, Schedule, Site, TimeWindow
    from people.models import Person, PersonGroup

    user = User.objects.create_user("desk", password={password!r}, is_staff=True)
    user.groups.add(Group.objects.get(name="Security desk"))
    site = Site.objects.create(name="Berlin", slug="berlin", timezone="Europe/Berlin")
    main = Gate.objects.create(site=site, name="Main", slug="main")
    dock = Gate.objects.create(site=site, name="Dock", slug="dock")
    engineering = PersonGroup.objects.create(name="Engineering", slug="engineering")
    grace = Person.objects.create(first_name="Grace", last_name="Hopper")
    grace.groups.add(engineering)
    calendar = HolidayCalendar.objects.create(name="Public holidays")
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 3, 25), name="Closing day")
    office = Schedule.objects.create(name="Office hours")
    office.holiday_calendars.add(calendar)
    for day in range(5):
        TimeWindow.objects.create(schedule=office, weekday=day, start=dt.time(8), end=dt.time(18))
    night = Schedule.objects.create(name="Nights")
    for day in range(7):
        TimeWindow.objects.create(
            schedule=night, weekday=day, start=dt.time(22), end=dt.time(6), ends_next_day=True
        )
    AccessRule.objects.create(
        name="Engineering office", group=engineering, gate=main, schedule=office
    )
    AccessRule.objects.create(name="Grace nights", person=grace, gate=dock, schedule=night)
    print("IDS", grace.pk, site.pk, main.pk, dock.pk)
    """
)

DECISIONS = textwrap.dedent(
    """
    import datetime as dt, json
    from zoneinfo import ZoneInfo
    from gates.models import Gate
    from gates.selectors import access_decision
    from people.models import Person

    person = Person.objects.get(pk={person})
    answers = []
    for gate_id, date, time in json.loads({instants!r}):
        gate = Gate.objects.select_related("site").get(pk=gate_id)
        wall = dt.datetime.fromisoformat(f"{{date}}T{{time}}")
        at = wall.replace(tzinfo=ZoneInfo(gate.site.timezone))
        answers.append(access_decision(person=person, gate=gate, at=at).granted)
    print(json.dumps(answers))
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("overview-server"))
    output = server.prepare(SETUP.format(password=PASSWORD))
    server.person, server.site, server.main, server.dock = map(
        int, output.split("IDS")[1].split()[:4]
    )
    server.start()
    yield server
    server.stop()


def test_the_week_on_the_page_matches_the_decision_function(server):
    from playwright.sync_api import sync_playwright

    instants = [
        (gate, date, time)
        for gate in (server.main, server.dock)
        for date in ("2026-03-23", "2026-03-25", "2026-03-27", "2026-03-28", "2026-03-29")
        for time in ("07:45", "08:00", "12:30", "17:45", "18:00", "23:15", "03:00", "05:45")
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        browser_sign_in(
            page, f"{server.url}/gates/people/{server.person}/week/?week={WEEK}", "desk", PASSWORD
        )
        page.wait_for_selector(".person-week")
        shown = []
        for gate, date, time in instants:
            hours, minutes = map(int, time.split(":"))
            cell = page.locator(
                f'.gate-week[data-gate="{gate}"] .day[data-date="{date}"] '
                f'.slot[data-slot="{hours * 4 + minutes // 15}"]'
            )
            shown.append(cell.get_attribute("data-granted") == "1")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "access-overview-person-week.png"), full_page=True)
        assert "Engineering office" in page.inner_text(".person-week")

        page.goto(f"{server.url}/gates/sites/{server.site}/matrix/")
        assert "Office hours" in page.inner_text("table.matrix")
        page.screenshot(path=str(ARTIFACTS / "access-overview-matrix.png"), full_page=True)
        browser.close()

    expected = json.loads(
        server.manage(
            "shell",
            "-v0",
            "-c",
            DECISIONS.format(person=server.person, instants=json.dumps(instants)),
        )
    )
    assert shown == expected
    assert 10 < sum(shown) < len(shown)  # some open, some closed: the comparison means something
