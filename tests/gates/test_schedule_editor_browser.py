"""The weekly schedule editor in headless Chromium against Daphne: a manager paints a night
window across midnight, saves, reloads and sees it; adds a holiday date; sees an error in
place; the security desk sees the week read-only and cannot change it.

Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS`` (default ``var/test-artifacts``).
"""

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.processes import Server, browser_sign_in, chromium_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "editor-test-password"
pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    from django.contrib.auth.models import Group, User
    from gates.models import HolidayCalendar, Schedule, TimeWindow
    import datetime as dt

    for name, group in (("manager", "Managers"), ("desk", "Security desk")):
        user = User.objects.create_user(name, password={password!r}, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
    calendar = HolidayCalendar.objects.create(name="Public holidays")
    schedule = Schedule.objects.create(name="Night shift")
    schedule.holiday_calendars.add(calendar)
    TimeWindow.objects.create(
        schedule=schedule, weekday=0, start=dt.time(8), end=dt.time(12)
    )
    print("SCHEDULE", schedule.pk)
    """
)

READ_WINDOWS = textwrap.dedent(
    """
    import json
    from gates.models import Holiday, TimeWindow
    print(json.dumps({{
        "windows": [
            [w.weekday, w.start.strftime("%H:%M"), w.end.strftime("%H:%M"), w.ends_next_day]
            for w in TimeWindow.objects.filter(schedule_id={schedule})
        ],
        "holidays": [[str(h.date), h.name, h.windows.count()] for h in Holiday.objects.all()],
    }}))
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("editor-server"))
    output = server.prepare(SETUP.format(password=PASSWORD))
    server.schedule = int(output.split("SCHEDULE")[1].split()[0])
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield browser
        browser.close()


def signed_in(browser, server, username: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    browser_sign_in(page, f"{server.url}/admin/", username, PASSWORD)
    page.wait_for_url(f"{server.url}/admin/")
    return page


def open_editor(page, server):
    page.goto(f"{server.url}/gates/schedules/{server.schedule}/week/")
    page.wait_for_selector(".schedule-editor[data-state=ready]")


def drag(page, day_from: int, slot_from: int, day_to: int, slot_to: int) -> None:
    """Press on one quarter-hour slot and release on another, through intermediate moves."""

    def centre(day, slot):
        box = page.locator(f'.slot[data-day="{day}"][data-slot="{slot}"]').bounding_box()
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.mouse.move(*centre(day_from, slot_from))
    page.mouse.down()
    page.mouse.move(*centre(day_to, slot_to), steps=8)
    page.mouse.up()


def stored(server) -> dict:
    return json.loads(
        server.manage("shell", "-v0", "-c", READ_WINDOWS.format(schedule=server.schedule))
    )


def window_texts(page) -> list[str]:
    return page.locator("#window-list li").all_inner_texts()


def test_a_manager_paints_a_night_window_across_midnight_saves_and_sees_it_again(browser, server):
    page = signed_in(browser, server, "manager")
    open_editor(page, server)
    assert window_texts(page) == ["Monday 08:00–12:00"]
    drag(page, 4, 88, 4, 95)  # Friday 22:00 to 24:00
    drag(page, 5, 0, 5, 23)  # Saturday 00:00 to 06:00
    drag(page, 0, 40, 0, 47)  # Monday 10:00-12:00: erase the end of Monday's window
    assert window_texts(page) == ["Monday 08:00–10:00", "Friday 22:00–06:00 the next day"]
    assert page.locator('.slot.carried[data-day="5"]').count() == 24  # shown as carried over
    page.click("#save-week")
    page.wait_for_selector(".schedule-editor[data-state=saved]")
    assert page.inner_text("#editor-message") == "Saved."
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "schedule-editor-night-window.png"), full_page=True)

    assert stored(server)["windows"] == [[0, "08:00", "10:00", False], [4, "22:00", "06:00", True]]
    page.reload()
    page.wait_for_selector(".schedule-editor[data-state=ready]")
    assert window_texts(page) == ["Monday 08:00–10:00", "Friday 22:00–06:00 the next day"]
    assert page.locator('.slot.open[data-day="4"]').count() == 8

    # Copy Friday to Wednesday: the night window comes along.
    page.select_option("#copy-from", "4")
    page.check('#copy-to input[value="2"]')
    page.click("#copy-day")
    assert "Wednesday 22:00–06:00 the next day" in window_texts(page)
    page.close()


def test_a_manager_adds_a_holiday_and_sees_a_bad_one_explained_in_place(browser, server):
    page = signed_in(browser, server, "manager")
    open_editor(page, server)
    page.fill("#holiday-date", "2026-12-25")
    page.fill("#holiday-name", "Christmas Day")
    page.fill("#holiday-windows", "closed")
    page.click("#holiday-form button[type=submit]")
    page.wait_for_selector('tr[data-date="2026-12-25"]')
    assert "closed" in page.inner_text('tr[data-date="2026-12-25"]')

    page.fill("#holiday-date", "2026-12-31")
    page.fill("#holiday-name", "New Year's Eve")
    page.fill("#holiday-windows", "09:00-13:00, 12:00-14:00")
    page.click("#holiday-form button[type=submit]")
    page.wait_for_selector("#holiday-message.error")
    assert "overlap" in page.inner_text("#holiday-message")  # explained where it was typed
    page.fill("#holiday-windows", "25:00-26:00")
    page.click("#holiday-form button[type=submit]")
    # A selector, not a JavaScript string: the page's Content-Security-Policy forbids eval.
    page.wait_for_selector("#holiday-message:has-text('wrong format')")
    said = page.inner_text("#holiday-message")
    assert "Window 1:" in said and "0:" not in said  # windows counted as people count them
    page.screenshot(path=str(ARTIFACTS / "schedule-editor-holidays.png"), full_page=True)

    page.reload()
    page.wait_for_selector('tr[data-date="2026-12-25"]')
    assert stored(server)["holidays"] == [["2026-12-25", "Christmas Day", 0]]
    page.close()


def test_the_security_desk_sees_the_week_but_cannot_change_it(browser, server):
    page = signed_in(browser, server, "desk")
    response = page.goto(f"{server.url}/gates/schedules/{server.schedule}/week/")
    if response.status == 403:
        pytest.fail("the desk may read schedules? see the roles")
    page.wait_for_selector(".schedule-editor[data-state=ready]")
    before = window_texts(page)
    assert page.locator("#save-week").is_hidden() and page.locator("#holiday-form").is_hidden()
    drag(page, 1, 40, 1, 60)
    assert window_texts(page) == before  # painting does nothing
    status = page.evaluate(
        """async (url) => {
            const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const r = await fetch(url, {method: "PATCH", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({windows: []})});
            return r.status;
        }""",
        f"/api/schedules/{server.schedule}/",
    )
    assert status == 403
    page.screenshot(path=str(ARTIFACTS / "schedule-editor-read-only.png"), full_page=True)
    page.close()


def test_a_tablet_opens_a_quarter_hour_with_a_tap(browser, server):
    context = browser.new_context(
        viewport={"width": 1024, "height": 1366}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    browser_sign_in(page, f"{server.url}/admin/", "manager", PASSWORD)
    page.wait_for_url(f"{server.url}/admin/")
    open_editor(page, server)
    slot = page.locator('.slot[data-day="6"][data-slot="40"]')  # Sunday 10:00
    assert "open" not in slot.get_attribute("class")
    slot.tap()
    assert "open" in slot.get_attribute("class")
    assert "Sunday 10:00–10:15" in window_texts(page)
    page.screenshot(path=str(ARTIFACTS / "schedule-editor-tablet.png"))
    context.close()
