"""Every kind of page under its Content-Security-Policy, in headless Chromium against Daphne:
the admin, the purpose-built pages, the status page, the report, the API docs and the kiosk's
pairing page load and run with nothing refused by the policy. Without this, a policy that
blocks one of the pages' own scripts or styles would break the page unnoticed.

Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS`` (default ``var/test-artifacts``).
"""

import os
import textwrap
from pathlib import Path

import pytest

from tests.processes import Server, browser_sign_in, chromium_path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "headers-test-password"
pytestmark = [pytest.mark.slow, pytest.mark.one_backend]  # no backend changes a header

SETUP = textwrap.dedent(
    """
    from django.contrib.auth.models import User
    from gates.models import Gate, Schedule, Site
    from people.models import Person

    User.objects.create_superuser("admin", password={password!r})
    site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
    Gate.objects.create(site=site, name="Main entrance", slug="main-entrance")
    schedule = Schedule.objects.create(name="Office hours")
    person = Person.objects.create(first_name="Ada", last_name="Lovelace")
    print("IDS", schedule.pk, person.pk, site.pk)
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("headers-server"))
    output = server.prepare(SETUP.format(password=PASSWORD))
    server.ids = [int(x) for x in output.split("IDS")[1].split()[:3]]
    server.start()
    yield server
    server.stop()


def test_every_kind_of_page_runs_under_its_policy(server):
    from playwright.sync_api import sync_playwright

    schedule, person, site = server.ids
    pages = {
        "admin-index": "/admin/",
        "admin-person-add": "/admin/people/person/add/",
        "admin-gate-change": "/admin/gates/gate/1/change/",
        "schedule-editor": f"/gates/schedules/{schedule}/week/",
        "person-week": f"/gates/people/{person}/week/",
        "site-matrix": f"/gates/sites/{site}/matrix/",
        "status": "/recognition/status/",
        "access-report": "/recognition/reports/access/",
        "api-docs": "/api/docs/",
    }
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: refused.append(f"{page.url}: {error}"))
        browser_sign_in(page, f"{server.url}/admin/", "admin", PASSWORD)
        page.wait_for_url(f"{server.url}/admin/")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, path in pages.items():
            response = page.goto(f"{server.url}{path}")
            assert response is not None and response.status == 200, (name, response)
            assert "camera=()" in response.headers["permissions-policy"]
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTIFACTS / f"csp-{name}.png"))
        # The API docs' scripts ran: Swagger UI drew the operations.
        page.goto(f"{server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=20_000)
        # The status page's script ran: its socket is live.
        page.goto(f"{server.url}/recognition/status/")
        page.wait_for_selector('.gate-status[data-live="live"]', timeout=20_000)
        # The pairing page's script ran (no link given: it says so).
        page.goto(f"{server.url}/kiosk/pair/")
        page.wait_for_selector('html[data-state="error"]', timeout=10_000)
        browser.close()
    assert refused == []
