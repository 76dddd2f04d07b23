"""The doors on the status page in headless Chromium, as the security desk: the door's state,
a remote unlock, a lockdown asked to be confirmed; then a manager's and an auditor's view, at a
desktop and a phone width. Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS``."""

import os
import textwrap
from pathlib import Path

import pytest

from tests.processes import Server, browser_sign_in, chromium_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "door-controls-password"
pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    from django.contrib.auth.models import Group, User
    from gates.models import Gate, Site
    from recognition.doors.states import door_sensor_report

    for name, role in (("desk", "Security desk"), ("auditor", "Auditors")):
        user = User.objects.create_user(name, password={password!r}, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
    site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
    Gate.objects.create(site=site, name="Main entrance", slug="main-entrance")
    bay = Gate.objects.create(site=site, name="Loading bay", slug="bay", door_sensor_secret="s")
    door_sensor_report(gate=bay, opened=True)  # nothing let it open: forced
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("doors-server"))
    server.prepare(SETUP.format(password=PASSWORD))
    server.start()
    yield server
    server.stop()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"doors-{name}.png"), full_page=True)


def test_the_desk_unlocks_and_locks_down_a_door_and_an_auditor_only_sees_it(server):
    from playwright.sync_api import sync_playwright

    main = '.gate-card:has(h2:text-is("Headquarters / Main entrance"))'
    bay = '.gate-card:has(h2:text-is("Headquarters / Loading bay"))'
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_sign_in(page, f"{server.url}/recognition/status/", "desk", PASSWORD)
        assert page.inner_text(f"{bay} .door-state").startswith("Forced open at")
        assert page.get_attribute(f"{bay} .door", "data-door") == "forced_open"
        page.select_option(f"{main} select[name=minutes]", "15")
        page.click(f'{main} button:text-is("Unlock")')
        page.wait_for_selector(".messagelist .success")
        assert "is unlocked until" in page.inner_text(".messagelist")
        assert page.inner_text(f"{main} .door-state").startswith("Unlocked until")
        shot(page, "status-desk-unlocked")

        # An auditor's status page, open meanwhile, follows the door live.
        auditor = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_sign_in(auditor, f"{server.url}/recognition/status/", "auditor", PASSWORD)
        auditor.wait_for_selector('.gate-status[data-live="live"]')
        assert auditor.inner_text(f"{main} .door-state").startswith("Unlocked until")

        page.once("dialog", lambda dialog: dialog.dismiss())  # asked first; not this time
        page.click(f'{main} button:text-is("Lock down")')
        assert page.get_attribute(f"{main} .door", "data-door") == "unlocked"
        page.once("dialog", lambda dialog: dialog.accept())
        page.click(f'{main} button:text-is("Lock down")')
        page.wait_for_selector(f'{main} .door[data-door="lockdown"]')
        assert page.locator(f'{main} button:text-is("Lift the lockdown")').is_visible()
        shot(page, "status-desk-lockdown")
        page.set_viewport_size({"width": 390, "height": 844})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide at 390"
        shot(page, "status-desk-lockdown-phone")

        auditor.wait_for_selector(f'{main} .door[data-door="lockdown"]', timeout=10_000)
        assert auditor.inner_text(f"{main} .door-state").startswith("Locked down since")
        assert auditor.locator(".door-actions").count() == 0
        shot(auditor, "status-auditor")
        browser.close()

    kinds = server.manage(
        "shell",
        "-v0",
        "-c",
        "from recognition.models import DoorEvent as D; "
        "print(*D.objects.order_by('sequence').values_list('gate_name', 'kind', 'operator_name'),"
        " sep='\\n')",
    )
    assert kinds.strip().splitlines() == [
        "('Headquarters / Loading bay', 'opened', '')",
        "('Headquarters / Loading bay', 'forced_open', '')",
        "('Headquarters / Main entrance', 'unlocked', 'desk')",
        "('Headquarters / Main entrance', 'lockdown', 'desk')",
    ]
