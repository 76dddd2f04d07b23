"""Enrolment as a manager sees it, in headless Chromium: a face photo uploaded on the person's
page shows "Being checked…", then its outcome without a reload; the person list tells every
role, the desk included, whether someone can be recognised. Screenshots go to
``ACCESSPORTAL_TEST_ARTIFACTS``."""

import os
import textwrap
from pathlib import Path

import pytest

from tests.conftest import UNIT
from tests.processes import Server, browser_sign_in, chromium_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "enrolment-feedback-password"
pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    from django.contrib.auth.models import Group, User
    from people.consent import consent_record
    from people.models import Person

    for name, role in (("manager", "Managers"), ("desk", "Security desk")):
        user = User.objects.create_user(name, password={password!r}, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
    ada = Person.objects.create(first_name="Ada", last_name="Lovelace")
    consent_record(person=ada, method="signed_form", reference="file 12")
    print("ADA", ada.pk)
    """
)
ENROL = (
    "from recognition.faces.enrolment import face_photo_enroll; "
    "from recognition.models import FacePhoto; "
    "[face_photo_enroll(photo_id=p.pk) for p in FacePhoto.objects.filter(status='pending')]"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, face_models_dir):
    server = Server(tmp_path_factory.mktemp("enrolment-server"), face_models_dir)
    output = server.prepare(SETUP.format(password=PASSWORD))
    server.ada = int(output.split("ADA", 1)[1].split()[0])
    server.start()
    yield server
    server.stop()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"enrolment-{name}.png"), full_page=True)


def test_a_photo_being_checked_shows_its_outcome_without_a_reload(server):
    from playwright.sync_api import sync_playwright

    person_page = f"{server.url}/admin/people/person/{server.ada}/change/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_sign_in(page, person_page, "manager", PASSWORD)
        page.wait_for_selector("[data-face-summary]")  # the page itself, not the sign-in's end
        assert "none: not recognised at any gate" in page.inner_text("[data-face-summary]")
        page.set_input_files('input[type="file"][name$="-image"]', str(UNIT / "img1.jpg"))
        page.click('input[name="_continue"]')
        page.wait_for_selector('[data-face-photo][data-status="pending"]')
        assert "Being checked" in page.inner_text('[data-face-photo][data-status="pending"]')
        shot(page, "pending")
        server.manage("shell", "-v0", "-c", ENROL)  # what the Celery worker does
        page.wait_for_selector('[data-face-photo][data-status="enrolled"]', timeout=15_000)
        assert "enrolled (1 photo)" in page.inner_text("[data-face-summary]")  # also kept current
        shot(page, "enrolled")

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_sign_in(desk, f"{server.url}/admin/people/person/", "desk", PASSWORD)
        desk.wait_for_selector("#result_list")
        assert "enrolled (1 photo)" in desk.inner_text("#result_list")
        shot(desk, "desk-list")
        browser.close()
