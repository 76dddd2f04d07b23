"""Each numbered item of the operators' experience (issue 16), as an operator meets it in
headless Chromium, at a desktop's and a phone's width, in English and in Chinese: what each
page must show is checked, the page must fit the window, and a screenshot of each goes to
``ACCESSPORTAL_TEST_ARTIFACTS`` (``item-<n>-<what>-<language>-<width>.png``)."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from tests.processes import Server, browser_sign_in, chromium_path, get
from tests.test_every_page_browser import PASSWORD, SETUP

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
pytestmark = [pytest.mark.slow, pytest.mark.one_backend]  # pages and words, not storage
WIDTHS = (1280, 390)

# Ada gets a display photo (a stored file, item 3); an event at 23:30 UTC on a December day is
# 00:30 CET the next day at the Berlin site (item 1).
MORE = """
import datetime as dt
from django.core.files.base import ContentFile
from django.utils import timezone
from people.models import Person
from recognition.access_log.chain import access_event_append
from gates.models import Gate

ada = Person.objects.get(employee_number="E-1")
ada.photo.save("display.png", ContentFile({png!r}))
gate = Gate.objects.get(slug="main")
access_event_append(
    occurred_at=dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC), kiosk=None, kiosk_name="",
    gate=gate, gate_name=str(gate), site_name=gate.site.name, person=ada, person_name=str(ada),
    granted=False, reason="outside_schedule", rule=None, rule_name="", distance=0.3, margin=0.1,
    liveness=0.9, model_name="SFace", frames=2,
)
"""


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), (180, 140, 110)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("operator-items-server"))
    output = server.prepare(SETUP.format(password=PASSWORD) + MORE.format(png=png()))
    server.person, server.site, server.visit = map(int, output.split("IDS", 1)[1].split()[:3])
    server.start()
    yield server
    server.stop()


class Look:
    """A signed-in browser page that opens pages, checks they fit, and keeps screenshots."""

    def __init__(self, page, server, language: str):
        self.page, self.server, self.language = page, server, language
        self.problems: list[str] = []

    def open(self, path: str):
        answer = self.page.goto(f"{self.server.url}{path}")
        self.page.wait_for_load_state("load")
        return answer

    def shot(self, item: int, what: str) -> None:
        width = self.page.viewport_size["width"]
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            self.problems.append(f"item {item} ({what}): {wide} px wide at {width}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = f"item-{item}-{what}-{self.language}-{width}.png"
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)

    def text(self, selector: str = "body") -> str:
        return self.page.inner_text(selector)


def in_language(language: str, english: str, chinese: str) -> str:
    return english if language == "en" else chinese


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_numbered_item_as_an_operator_meets_it(server, language):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
        page = context.new_page()
        browser_sign_in(page, f"{server.url}/admin/", "manager", PASSWORD)
        look = Look(page, server, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            t = lambda english, chinese: in_language(language, english, chinese)  # noqa: E731

            # 1. One clock: the Berlin site's event at 23:30 UTC is 00:30 CET on the 2nd.
            look.open("/recognition/reports/access/?date_from=2026-12-02&date_to=2026-12-02")
            assert "2026-12-02 00:30:00 CET" in look.text(".report-table")
            look.shot(1, "report-site-time")

            # 2. Report filters: every filter named, a reversed range explained.
            assert look.text("label[for=id_decision]") == t("Decision", "结果")
            look.open("/recognition/reports/access/?date_from=2026-12-31&date_to=2026-01-01")
            assert t("swap them", "交换") in look.text(".errornote")
            look.shot(2, "report-reversed-range")

            # 3. A stored file's link leads to the file.
            look.open(f"/admin/people/person/{server.person}/change/")
            link = page.get_attribute('a[href^="/files/"]', "href")
            assert link and page.request.get(f"{server.url}{link}").status == 200
            # 9. Enrolment: the face summary on the person's page, for every role.
            assert t("none: not recognised", "无：在任何通道都无法识别") in look.text(
                "[data-face-summary]"
            )
            look.shot(9, "person-page")

            # 5. A rule with nothing chosen says what to choose, on the field.
            look.open("/admin/gates/accessrule/add/")
            page.fill("#id_name", "Nobody anywhere")
            page.click("input[name=_save]")
            page.wait_for_selector(".errorlist")
            assert t("Choose", "选择") in look.text(".errorlist")
            look.shot(5, "rule-nothing-chosen")

            # 6. Pairing: a QR code and a copy button, never a link to click.
            look.open("/admin/recognition/kiosk/")
            page.check("input.action-select")
            page.select_option("select[name=action]", "new_pairing_link")
            page.click("button[name=index]")
            page.wait_for_selector(".pairing-card svg")
            assert page.is_visible("[data-copy]")
            assert not page.locator('.pairing-card a[href*="/kiosk/pair"]').count()
            look.shot(6, "pairing")

            # 7. Change history: readable, with the person's parts in the person's history.
            look.open("/admin/auditlog/logentry/")
            assert page.locator("#result_list tbody tr").count() > 3
            assert not re.search(r"\w+\.\w+\.None", look.text("#result_list"))
            look.shot(7, "change-history")
            look.open(f"/admin/people/person/{server.person}/auditlog/")
            assert page.locator(".auditlog-entry").count() >= 1
            look.shot(7, "person-history")

            # 8. Layout: the gate page with its rules fits.
            look.open("/admin/gates/gate/")
            page.click("#result_list tbody th a")
            page.wait_for_selector("#gate_form")
            look.shot(8, "gate-page")

            # The dashboard and the live status in the operator's language.
            look.open("/")
            page.wait_for_selector(".gate-status")
            assert t("Today", "今天") in look.text("#content-main")
            look.shot(0, "dashboard")

        # 4. A role-restricted page says why, in the admin's look (the desk, at both widths).
        desk = context.new_page()
        context.clear_cookies()
        context.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
        browser_sign_in(desk, f"{server.url}/admin/", "desk", PASSWORD)
        desk_look = Look(desk, server, language)
        for width in WIDTHS:
            desk.set_viewport_size({"width": width, "height": 900})
            answer = desk_look.open("/people/import")
            assert answer.status == 403
            assert in_language(language, "Security desk", "Security desk") in desk_look.text()
            desk_look.shot(4, "not-allowed")

        # 10. Signing out ends on a plain page of our own.
        desk.click("#logout-form button")
        desk.wait_for_load_state("load")
        assert in_language(language, "signed out", "退出登录") in desk_look.text()
        desk_look.shot(10, "signed-out")
        browser.close()
    assert get(f"{server.url}/healthz")[0] == 200
    assert not look.problems + desk_look.problems, look.problems + desk_look.problems
