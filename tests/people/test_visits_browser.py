"""A visitor in headless Chromium: reception registers them at a desktop, the visit page shows
the pass and the link; the visitor opens the link at a phone's width, agrees and sends a photo
of their face; once the worker enrolled it, the page says the doors know their face.
Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS``."""

import os
import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import UNIT
from tests.processes import Server, browser_sign_in, chromium_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "visits-browser-password"
pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    from django.contrib.auth.models import Group, User
    from gates.models import Gate, Site

    desk = User.objects.create_user("desk", password={password!r}, is_staff=True)
    desk.groups.add(Group.objects.get(name="Security desk"))
    site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
    Gate.objects.create(site=site, name="Main entrance", slug="main-entrance")
    Gate.objects.create(site=site, name="Lab", slug="lab")
    """
)
ENROL = (
    "from recognition.faces.enrolment import face_photo_enroll; "
    "from recognition.models import FacePhoto; "
    "[face_photo_enroll(photo_id=p.pk) for p in FacePhoto.objects.filter(status='pending')]"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, face_models_dir):
    server = Server(tmp_path_factory.mktemp("visits-server"), face_models_dir)
    server.prepare(SETUP.format(password=PASSWORD))
    server.start()
    yield server
    server.stop()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"visits-{name}.png"), full_page=True)


def test_reception_registers_a_visitor_who_enrols_from_their_phone(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_sign_in(desk, f"{server.url}/admin/people/visit/add/", "desk", PASSWORD)
        desk.wait_for_selector("#id_first_name")  # the admin's "add" is the registration page
        desk.fill("#id_first_name", "Grace")
        desk.fill("#id_last_name", "Hopper")
        desk.fill("#id_company", "Navy")
        desk.check('label:has-text("Main entrance") input')
        shot(desk, "register")
        desk.click('input[type="submit"]')
        desk.wait_for_selector(".visit-code svg")
        assert "is registered" in desk.inner_text(".messagelist")
        shot(desk, "visit-page")
        link = desk.get_attribute(".visit-link", "href")
        assert re.match(rf"{re.escape(server.url)}/recognition/visit/[^/]+/$", link)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.goto(link)
        assert "Welcome, Grace" in phone.inner_text("h1")
        phone.set_input_files('input[name="photo"]', str(UNIT / "img1.jpg"))
        phone.click("button[type=submit]")  # not agreed yet: told so, nothing stored
        assert "tick that you agree" in phone.inner_text(".error")
        shot(phone, "selfie-not-agreed-phone")
        phone.check('input[name="agree"]')
        phone.set_input_files('input[name="photo"]', str(UNIT / "img1.jpg"))
        phone.click("button[type=submit]")
        phone.wait_for_selector('.state[data-status="pending"]')
        server.manage("shell", "-v0", "-c", ENROL)  # what the Celery worker does
        phone.reload()
        assert "the doors know your face" in phone.inner_text('.state[data-status="enrolled"]')
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{width} px wide at 390"
        shot(phone, "selfie-enrolled-phone")

        desk.reload()
        assert desk.inner_text("td[data-face]") == "enrolled"
        desk.once("dialog", lambda dialog: dialog.accept())
        desk.click('input[value^="End the visit now"]')
        desk.wait_for_selector(".messagelist .success")
        assert "1 face photo(s) deleted" in desk.inner_text(".messagelist")
        assert desk.locator(".visit-code").count() == 0  # no pass or link once it is over
        browser.close()
