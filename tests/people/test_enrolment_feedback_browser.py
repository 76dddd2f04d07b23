"""Enrolment as a manager sees it, in headless Chromium: a face photo uploaded on the person's
page shows "Being checked…", then its outcome without a reload; the person list tells every
role, the desk included, whether someone can be recognised; from the camera, the meter says
when the picture is good, and the photo taken is enrolled, while an empty scene is never
ready. Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS``."""

import os
import textwrap
from pathlib import Path

import pytest

from tests.camera import y4m_clip
from tests.conftest import UNIT
from tests.processes import Server, browser_sign_in, chromium_path, kiosk_browser

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


# --- Enrolment from the camera: a fake camera plays a real photo, or an empty scene. ---


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("camera-clips")
    (folder / "face.y4m").write_bytes(y4m_clip(UNIT / "img1.jpg"))
    (folder / "empty.y4m").write_bytes(y4m_clip(None))  # a grey scene, nobody in it
    return folder


def test_a_photo_taken_when_the_meter_says_so_is_enrolled(server, clips):
    from playwright.sync_api import sync_playwright

    camera_page = f"{server.url}/recognition/people/{server.ada}/camera"
    with sync_playwright() as playwright:
        browser = kiosk_browser(playwright, clips / "face.y4m")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_sign_in(page, f"{server.url}/admin/", "manager", PASSWORD)
        page.goto(camera_page)
        page.wait_for_selector('.face-camera[data-state="ready"]', timeout=30_000)
        assert page.eval_on_selector("#camera-quality", "m => m.value") >= 50
        assert page.is_enabled("#camera-take")
        shot(page, "camera-ready")
        page.click("#camera-take")
        page.wait_for_selector('#camera-result[data-status="pending"]')
        server.manage("shell", "-v0", "-c", ENROL)  # what the Celery worker does
        page.wait_for_selector('#camera-result[data-status="enrolled"]', timeout=15_000)
        shot(page, "camera-enrolled")

        page.set_viewport_size({"width": 390, "height": 844})
        page.context.add_cookies(
            [{"name": "django_language", "value": "zh-hans", "url": server.url}]
        )
        page.goto(camera_page)
        page.wait_for_selector('.face-camera[data-state="ready"]', timeout=30_000)
        assert "拍照" in page.inner_text("#camera-take")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "camera-ready-phone-zh")
        browser.close()


def test_an_empty_scene_is_never_ready(server, clips):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = kiosk_browser(playwright, clips / "empty.y4m")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        camera_page = f"{server.url}/recognition/people/{server.ada}/camera"
        browser_sign_in(page, f"{server.url}/admin/", "manager", PASSWORD)
        page.goto(camera_page)
        page.wait_for_selector('#camera-quality[data-code="no_face"]', timeout=30_000)
        assert page.get_attribute(".face-camera", "data-state") == "not-ready"
        assert not page.is_enabled("#camera-take")
        shot(page, "camera-no-face")
        browser.close()
