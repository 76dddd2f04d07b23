"""An offline kiosk in headless Chromium, at a gate with an offline allow-list: the server
stops; a number and a PIN are checked on the tablet against the signed list; a stranger's
number and a wrong PIN are refused, the right PIN opens the door through a door controller on
the "local network" (a server in this test), the command signed with the device key; the
server comes back and gets the three decisions, in order, in the access log's chain.
Screenshots go to ``ACCESSPORTAL_TEST_ARTIFACTS``."""

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.camera import y4m_clip
from tests.processes import Server, kiosk_browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
pytestmark = pytest.mark.slow

SETUP = """
from gates.models import AccessRule, Gate, Site
from people.models import Person
from people.pins import pin_set
from recognition.kiosks import pairing

site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
gate = Gate.objects.create(
    site=site, name="Side door", slug="side-door",
    offline_allow_list=True, offline_door_url={door_url!r},
)
ada = Person.objects.create(first_name="Ada", last_name="Lovelace", badge_number="1001")
pin_set(person=ada, pin="2468", duress_pin="1357")
AccessRule.objects.create(name="Ada, side door", person=ada, gate=gate)
kiosk, token = pairing.kiosk_create(gate=gate, name="Side kiosk")
print(pairing.pairing_url(token))
"""


class DoorController(BaseHTTPRequestHandler):
    """A door controller on the kiosk's network: takes signed open commands (CORS: the kiosk
    page's origin differs)."""

    commands: list = []

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header(
            "Access-Control-Allow-Headers", "Content-Type, X-AccessPortal-Device-Signature"
        )
        self.send_header("Access-Control-Allow-Methods", "POST")

    def do_OPTIONS(self):
        self.send_response(204)
        self._cors()
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.commands.append((body, self.headers.get("X-AccessPortal-Device-Signature", "")))
        self.send_response(200)
        self._cors()
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def controller():
    http = HTTPServer(("127.0.0.1", 0), DoorController)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_port}/open"
    http.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, controller):
    server = Server(tmp_path_factory.mktemp("offline-server"))
    output = server.prepare(SETUP.format(door_url=controller))
    (server.pairing_url,) = [w for w in output.split() if "/kiosk/pair/" in w]
    server.start()
    yield server
    server.stop()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"kiosk-offline-{name}.png"))


def typed(page, number: str, pin: str) -> None:
    """A number, OK, its PIN, OK: as on the tablet's keypad."""
    for keys in (number, pin):
        for key in keys:
            page.click(f'#keypad button[data-key="{key}"]')
        page.click("#keypad button.ok")


def outcome(page) -> tuple[str, str]:
    page.wait_for_selector('html[data-state="granted"], html[data-state="denied"]', timeout=30_000)
    root = page.locator("html")
    state, reason = root.get_attribute("data-state"), root.get_attribute("data-reason")
    page.wait_for_selector('html[data-state="offline"]', timeout=30_000)  # the result's time
    return state, reason


def test_an_offline_kiosk_lets_in_by_number_and_pin_and_reports_when_back(
    server, controller, tmp_path
):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from playwright.sync_api import sync_playwright

    clip = tmp_path / "empty.y4m"
    clip.write_bytes(y4m_clip(None))
    with sync_playwright() as playwright:
        browser = kiosk_browser(playwright, clip)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(server.pairing_url)
        page.wait_for_url(f"{server.url}/kiosk/")
        page.wait_for_selector('html[data-state="idle"]', timeout=60_000)
        for _ in range(50):  # the list follows the hello
            if page.evaluate("localStorage.getItem('accessportal.offlineList') !== null"):
                break
            time.sleep(0.1)
        server.stop()
        page.wait_for_selector('html[data-state="offline"] #keypad:not([hidden])', timeout=30_000)
        assert "Type your badge or employee number" in page.inner_text("#detail")
        shot(page, "keypad")

        typed(page, "9999", "2468")
        assert outcome(page) == ("denied", "offline_unknown_number")
        typed(page, "1001", "0000")
        assert outcome(page) == ("denied", "offline_pin_wrong")
        typed(page, "1001", "2468")
        page.wait_for_selector('html[data-state="granted"]', timeout=30_000)
        assert "Welcome, Ada" in page.inner_text("#title")
        assert "Please go ahead. (Offline.)" in page.inner_text("#detail")
        shot(page, "granted")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "granted-phone")
        page.wait_for_selector('html[data-state="offline"]', timeout=30_000)

        server.start()
        page.wait_for_selector('html:not([data-state="offline"])', timeout=90_000)
        for _ in range(100):  # sent once the kiosk is back, and forgotten once recorded
            if page.evaluate("localStorage.getItem('accessportal.offlineEvents')") == "[]":
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the offline events were not acknowledged")
        browser.close()

    ((body, signature),) = DoorController.commands  # the door told once, for Ada
    command = json.loads(body)
    assert (command["action"], command["person"]) == ("open", 1)
    device_key = server.manage(
        "shell",
        "-v0",
        "-c",
        "from recognition.models import Kiosk; print(Kiosk.objects.get().device_key)",
    ).strip()
    public = serialization.load_der_public_key(base64.b64decode(device_key))
    raw = base64.b64decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, b"accessportal offline door\n" + body, ec.ECDSA(hashes.SHA256()))

    events = server.manage(
        "shell",
        "-v0",
        "-c",
        "from recognition.models import AccessEvent as E; "
        "print(*E.objects.order_by('sequence').values_list('reason', 'person_name'), sep='\\n')",
    )
    assert events.strip().splitlines() == [
        "('offline_unknown_number', '')",
        "('pin_wrong', 'Ada Lovelace')",
        "('granted_offline', 'Ada Lovelace')",
    ]
    assert "The access log is intact: 3 events, 1 door results" in server.manage("audit_verify")
