"""Every page, as each role, at a desktop's and a phone's width, in headless Chromium: the
admin's lists and an object's page for every kind of object the role sees, and the pages of
our own. None may be a bare error page (a 403 must be ours, saying why), a server error or a
missing page, or be wider than the window."""

import re
import textwrap

import pytest

from tests.processes import Server, browser_sign_in, chromium_path

PASSWORD = "every-page-password"
pytestmark = pytest.mark.slow
WIDTHS = (1280, 390)

SETUP = textwrap.dedent(
    """
    import datetime as dt
    from django.contrib.auth.models import Group, User
    from django.utils import timezone
    from gates.models import AccessRule, Gate, GateGroup, Holiday, HolidayCalendar
    from gates.models import Schedule, Site, TimeWindow
    from people.models import Person, PersonGroup
    from people.visits import visit_register
    from recognition.access_log.chain import access_event_append
    from recognition.kiosks import pairing

    users = {{}}
    for name, role in (("manager", "Managers"), ("auditor", "Auditors"), ("desk", "Security desk")):
        users[name] = User.objects.create_user(name, password={password!r}, is_staff=True)
        users[name].groups.add(Group.objects.get(name=role))
    site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
    gate = Gate.objects.create(site=site, name="Main entrance", slug="main", direction="in")
    area = GateGroup.objects.create(name="Building", slug="building")
    gate.groups.add(area)
    calendar = HolidayCalendar.objects.create(name="Public holidays")
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 12, 25), name="Christmas")
    office = Schedule.objects.create(name="Office hours")
    for day in range(5):
        TimeWindow.objects.create(schedule=office, weekday=day, start=dt.time(8), end=dt.time(18))
    staff = PersonGroup.objects.create(name="Engineering", slug="engineering")
    ada = Person.objects.create(first_name="Ada", last_name="Lovelace", employee_number="E-1")
    ada.groups.add(staff)
    AccessRule.objects.create(
        name="Engineering in office hours", group=staff, gate=gate, schedule=office
    )
    AccessRule.objects.create(name="Ada at the main entrance", person=ada, gate=gate)
    kiosk, _ = pairing.kiosk_create(gate=gate, name="Lobby tablet")
    access_event_append(
        occurred_at=timezone.now(), kiosk=kiosk, kiosk_name=kiosk.name, gate=gate,
        gate_name=str(gate), site_name=site.name, person=ada, person_name=str(ada),
        granted=True, reason="granted", rule=None, rule_name="", distance=0.3, margin=0.1,
        liveness=0.9, model_name="SFace", frames=2,
    )
    now = timezone.now()
    visit = visit_register(
        first_name="Grace", last_name="Hopper", starts_at=now, ends_at=now + dt.timedelta(hours=4),
        gates=[gate], host=users["desk"],
    )
    print("IDS", ada.pk, site.pk, visit.pk)
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("every-page-server"))
    output = server.prepare(SETUP.format(password=PASSWORD))
    server.person, server.site, server.visit = map(int, output.split("IDS", 1)[1].split()[:3])
    server.start()
    yield server
    server.stop()


def pages_of(page, server) -> list[str]:
    """The admin's lists on the role's home page, an object's page from each list, and our
    own pages."""
    page.goto(f"{server.url}/admin/")
    lists = sorted(
        {
            href
            for href in page.eval_on_selector_all(
                "#content-main a[href^='/admin/']",
                "links => links.map(a => a.getAttribute('href'))",
            )
            if re.fullmatch(r"/admin/\w+/\w+/", href)
        }
    )
    objects = []
    for listing in lists:
        page.goto(f"{server.url}{listing}")
        first = page.locator("#result_list tbody th a, #result_list tbody td a").first
        if first.count():
            objects.append(first.get_attribute("href"))
    own = [
        "/",
        "/recognition/status/",
        "/recognition/reports/access/?date_from=2026-01-01&date_to=2026-12-31",
        f"/gates/people/{server.person}/week/",
        f"/gates/sites/{server.site}/matrix/",
        f"/recognition/status/sites/{server.site}/inside/",
        "/people/visits/new",
        "/people/import",
        f"/people/visits/{server.visit}/",
        f"/people/{server.person}/pass",
        "/admin/auditlog/logentry/",
    ]
    return [*lists, *objects, *own]


@pytest.mark.parametrize("role", ["manager", "auditor", "desk"])
def test_every_page_of_every_role_opens_and_fits_the_window(server, role):
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
        browser_sign_in(page, f"{server.url}/admin/", role, PASSWORD)
        urls = pages_of(page, server)
        assert len(urls) > 10, urls
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for url in urls:
                answer = page.goto(f"{server.url}{url}")
                status = answer.status if answer else 0
                body = page.inner_text("body")
                if status >= 500 or status == 404:
                    problems.append(f"{url}: {status}")
                elif status == 403 and "Your role does not include this page" not in body:
                    problems.append(f"{url}: a bare 403")
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    problems.append(f"{url}: {wide} px wide at {width}")
        browser.close()
    assert not problems, "\n".join(problems)
