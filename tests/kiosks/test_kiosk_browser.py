"""The kiosk page in headless Chromium, against Daphne, with a fake camera playing a clip made
from the shared photos: pair, then granted for an enrolled person and denied as unknown for a
stranger; offline while the server is down and back when it returns.

Screenshots of each state are saved to ``ACCESSPORTAL_TEST_ARTIFACTS`` (default
``var/test-artifacts``). Chromium comes from the Debian package that scripts/test installs;
this test fails, never skips, when it is missing.
"""

import os
import textwrap
from pathlib import Path

import pytest

from tests.camera import y4m_clip
from tests.conftest import UNIT
from tests.processes import (
    ADA_AT_THE_MAIN_ENTRANCE,
    Server,
    browser_sign_in,
    chromium_path,
    kiosk_browser,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
pytestmark = pytest.mark.slow

SETUP = ADA_AT_THE_MAIN_ENTRANCE + textwrap.dedent(
    """
    from django.contrib.auth.models import Group, User
    desk = User.objects.create_user("desk", password="status-page-password", is_staff=True)
    desk.groups.add(Group.objects.get(name="Security desk"))
    for name in ("Kiosk A", "Kiosk B", "Kiosk C"):
        kiosk, token = pairing.kiosk_create(gate=gate, name=name)
        print(pairing.pairing_url(token))
    # A gate that asks for a PIN after the face.
    from people.pins import pin_set
    lab = Gate.objects.create(site=site, name="Lab", slug="lab", verification="face_and_pin")
    AccessRule.objects.create(name="Ada, lab", person=ada, gate=lab)
    pin_set(person=ada, pin="2468")
    kiosk, token = pairing.kiosk_create(gate=lab, name="Kiosk D")
    print(pairing.pairing_url(token))
    # A turnstile that asks for a pass or number first, then checks the face 1:1.
    from people.passes import pass_code
    turnstile = Gate.objects.create(
        site=site, name="Turnstile", slug="turnstile", verification="claim_then_face"
    )
    AccessRule.objects.create(name="Ada, turnstile", person=ada, gate=turnstile)
    ada.badge_number = "1001"
    ada.save()
    for name in ("Kiosk E", "Kiosk F"):
        kiosk, token = pairing.kiosk_create(gate=turnstile, name=name)
        print(pairing.pairing_url(token))
    print("PASS:" + pass_code(ada))
    # A site whose kiosks speak Chinese.
    shanghai = Site.objects.create(
        name="Shanghai", slug="sh", timezone="Asia/Shanghai", language="zh-hans",
        unrecognised_advice="请到前台登记。",
    )
    lobby = Gate.objects.create(site=shanghai, name="Lobby", slug="sh-lobby")
    kiosk, token = pairing.kiosk_create(gate=lobby, name="Kiosk G")
    print(pairing.pairing_url(token))
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, face_models_dir):
    data_dir = tmp_path_factory.mktemp("kiosk-server")
    server = Server(data_dir, face_models_dir)
    output = server.prepare(SETUP.format(unit=str(UNIT)))
    server.pairing_urls = [w for w in output.split() if w.startswith(f"{server.url}/kiosk/pair/")]
    assert len(server.pairing_urls) == 7, output
    (server.ada_pass,) = [w.removeprefix("PASS:") for w in output.split() if w.startswith("PASS:")]
    server.start()
    yield server
    server.stop()


def kiosk_opened(playwright, clip: Path, pairing_url: str, state: str):
    """A new tablet whose camera plays ``clip``, paired by ``pairing_url``, once its page
    shows ``state``: the browser and the page."""
    browser = kiosk_browser(playwright, clip)
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(pairing_url)
    page.wait_for_selector(f'html[data-state="{state}"]', timeout=60_000)
    return browser, page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"kiosk-{name}.png"))


def state_of(page) -> tuple[str, str | None]:
    root = page.locator("html")
    return root.get_attribute("data-state"), root.get_attribute("data-reason")


def test_kiosk_in_chromium_grants_denies_and_reconnects(server, tmp_path):
    from playwright.sync_api import sync_playwright

    ada_clip = tmp_path / "ada.y4m"
    ada_clip.write_bytes(y4m_clip(UNIT / "img6.jpg"))  # not one of her enrolment photos
    stranger_clip = tmp_path / "stranger.y4m"
    stranger_clip.write_bytes(y4m_clip(UNIT / "img34.jpg"))
    couple_clip = tmp_path / "couple.y4m"
    couple_clip.write_bytes(y4m_clip(UNIT / "couple.jpg"))

    with sync_playwright() as playwright:
        # The security desk watches the gates' status page; it must follow without reloading.
        desk_browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox"]
        )
        desk = desk_browser.new_page(viewport={"width": 1280, "height": 800})
        browser_sign_in(desk, f"{server.url}/recognition/status/", "desk", "status-page-password")
        desk.wait_for_selector('.gate-status[data-live="live"]')
        main = '.gate-card:has(h2:text-is("Headquarters / Main entrance"))'
        assert desk.inner_text(f'{main} [data-count="granted"]') == "0"

        browser = kiosk_browser(playwright, ada_clip)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(f"{server.url}/kiosk/")
        assert state_of(page) == ("error", "not_paired")
        assert page.locator("video").count() == 0  # no camera for an unpaired device
        shot(page, "error-not-paired")

        page.goto(server.pairing_urls[0])  # opening the link pairs the tablet
        page.wait_for_url(f"{server.url}/kiosk/")
        token = server.pairing_urls[0].split("#", 1)[1]
        access_log = server.log.read_text()
        assert "/kiosk/pair/" in access_log and token not in access_log  # never logged
        page.wait_for_selector('html[data-state="granted"]', timeout=60_000)
        assert state_of(page) == ("granted", "granted")
        assert "Ada" in page.locator("#title").inner_text()
        shot(page, "granted")
        # Waits are selectors, never JavaScript strings: the pages' Content-Security-Policy
        # forbids evaluating strings, and Playwright's string predicates do.
        desk.wait_for_selector(f'{main} [data-count="granted"]:text-is("1")', timeout=10_000)
        assert "Ada Lovelace" in desk.inner_text(f"{main} .last-events")
        assert desk.get_attribute(f"{main} li[data-kiosk]:first-child", "data-status") == "online"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        desk.screenshot(path=str(ARTIFACTS / "status-page-live.png"), full_page=True)
        desk_browser.close()

        # The tablet's cookie copied into another browser opens nothing: that browser holds
        # no device key to answer the server's challenge with, and the tablet keeps its place.
        thief = kiosk_browser(playwright, stranger_clip)
        thief_context = thief.new_context(viewport={"width": 1024, "height": 768})
        thief_context.add_cookies(page.context.cookies())
        thief_page = thief_context.new_page()
        thief_page.goto(f"{server.url}/kiosk/")
        thief_page.wait_for_selector('html[data-state="error"]', timeout=30_000)
        assert state_of(thief_page) == ("error", "refused")
        assert "no device key" in thief_page.locator("#detail").inner_text()
        shot(thief_page, "error-copied-credential")
        thief.close()

        # Ada stays in front of the camera past the result's time: she is told her result
        # still (not asked to look at the camera), and not decided again (see the events).
        page.wait_for_timeout(3500)  # RESULT_SECONDS is 2 here
        page.wait_for_selector('html[data-state="granted"]', timeout=5_000)
        assert state_of(page) == ("granted", "granted")
        assert "Ada" in page.locator("#title").inner_text()
        shot(page, "granted-staying")

        server.stop()
        page.wait_for_selector('html[data-state="offline"]', timeout=30_000)
        assert "Reconnecting" in page.locator("#detail").inner_text()
        shot(page, "offline")
        server.start()
        # Back: "Starting…" while the new process loads its engine, then deciding again.
        page.wait_for_selector(
            'html:not([data-state="offline"]):not([data-state="starting"])', timeout=90_000
        )
        assert state_of(page)[0] in {"idle", "detecting", "granted"}
        browser.close()

        browser, page = kiosk_opened(playwright, stranger_clip, server.pairing_urls[1], "denied")
        assert state_of(page) == ("denied", "unknown_face")
        assert "Not recognised. Please ask at reception." in page.locator("#detail").inner_text()
        shot(page, "denied-unknown-face")
        browser.close()

        # A gate that asks for a PIN after the face: the keypad, then the result.
        browser, page = kiosk_opened(playwright, ada_clip, server.pairing_urls[3], "pin")
        for key in "2468":
            page.click(f'#keypad button[data-key="{key}"]')
        assert page.locator("#pin-dots").inner_text() == "\u25cf" * 4  # dots, never digits
        shot(page, "pin-keypad")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "pin-keypad-phone")
        page.click("#keypad button.ok")
        page.wait_for_selector('html[data-state="granted"]', timeout=30_000)
        assert page.locator("#keypad").is_hidden()
        browser.close()

        # Two people at once: amber guidance, not a denial.
        browser, page = kiosk_opened(playwright, couple_clip, server.pairing_urls[2], "guidance")
        assert state_of(page) == ("guidance", "several_faces")
        assert "one at a time" in page.locator("#detail").inner_text()
        shot(page, "guidance-several-faces")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "guidance-several-faces-phone")
        browser.close()

    events = server.manage(
        "shell",
        "-v0",
        "-c",
        "from recognition.models import AccessEvent as E; "
        "print(*E.objects.order_by('id').values_list('kiosk_name', 'reason'), sep='\\n')",
    )
    lines = events.strip().splitlines()
    assert lines[0] == "('Kiosk A', 'granted')"  # one event for Ada's first passage
    assert lines[-2:] == ["('Kiosk B', 'unknown_face')", "('Kiosk D', 'granted')"]
    assert all("Kiosk A" in line for line in lines[:-2])  # no flood, nothing for the couple
    assert len(lines) <= 4  # Ada's passage, possibly one after the restart, stranger, the lab


def test_real_daphne_sends_the_documented_close_codes(server):
    """Daphne's WebSocket library refuses a close code that is not a plain int (our tables
    are IntEnums) and would close with 1011 instead: the codes a kiosk and a status page act
    on must arrive as documented."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    closes = {}
    for name, path in (("kiosk", "/ws/kiosk/"), ("status", "/ws/status/")):
        with connect(
            server.url.replace("http://", "ws://") + path,
            additional_headers={"Origin": server.url},
            open_timeout=10,
        ) as socket:
            try:
                while True:
                    socket.recv(timeout=10)
            except ConnectionClosed as closed:
                closes[name] = closed.rcvd.code  # Daphne sends no reason: messages say why
    assert closes == {"kiosk": 4401, "status": 4401}
    assert "Exception inside application" not in server.log.read_text()


def test_a_pass_first_turnstile_takes_a_typed_number_or_a_qr_pass_then_the_face(server, tmp_path):
    """Kiosk E: Ada types her badge number (a badge reader types the same way) and looks at the
    camera. Kiosk F: she holds her QR pass up beside her face."""
    from playwright.sync_api import sync_playwright

    from tests.camera import pass_shown

    ada_clip = tmp_path / "ada.y4m"
    ada_clip.write_bytes(y4m_clip(UNIT / "img6.jpg"))
    with_pass = tmp_path / "ada-with-pass.jpg"
    with_pass.write_bytes(pass_shown(server.ada_pass, UNIT / "img6.jpg"))
    pass_clip = tmp_path / "ada-with-pass.y4m"
    pass_clip.write_bytes(y4m_clip(with_pass))

    with sync_playwright() as playwright:
        browser, page = kiosk_opened(playwright, ada_clip, server.pairing_urls[4], "idle")
        page.wait_for_selector('html[data-claim][data-state="idle"]', timeout=60_000)
        assert "Show your pass" in page.locator("#detail").inner_text()
        assert page.locator("#keypad").is_visible()
        page.wait_for_timeout(1500)  # her face alone, however long, decides nothing
        assert state_of(page) == ("idle", None)
        page.keyboard.type("1001")
        assert page.locator("#pin-dots").inner_text() == "1001"  # a number, not a secret
        shot(page, "pass-first-idle")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "pass-first-idle-phone")
        page.set_viewport_size({"width": 1024, "height": 768})
        page.keyboard.press("Enter")
        page.wait_for_selector('html[data-state="granted"]', timeout=30_000)
        assert "Ada" in page.locator("#title").inner_text()
        shot(page, "pass-first-granted")
        browser.close()

        browser, page = kiosk_opened(playwright, pass_clip, server.pairing_urls[5], "granted")
        assert state_of(page) == ("granted", "granted")
        browser.close()

    events = server.manage(
        "shell",
        "-v0",
        "-c",
        "from recognition.models import AccessEvent as E; "
        "print(*E.objects.filter(gate__slug='turnstile').order_by('id')"
        ".values_list('kiosk_name', 'person_name', 'reason'), sep='\\n')",
    )
    assert events.strip().splitlines() == [
        "('Kiosk E', 'Ada Lovelace', 'granted')",
        "('Kiosk F', 'Ada Lovelace', 'granted')",
    ]


def test_a_kiosk_speaks_its_sites_language(server, tmp_path):
    """Kiosk G, at a site set to Simplified Chinese: a stranger is told so in Chinese, with the
    site's next step as the manager typed it."""
    from playwright.sync_api import sync_playwright

    stranger_clip = tmp_path / "stranger.y4m"
    stranger_clip.write_bytes(y4m_clip(UNIT / "img34.jpg"))
    with sync_playwright() as playwright:
        browser, page = kiosk_opened(playwright, stranger_clip, server.pairing_urls[6], "denied")
        assert page.get_attribute("html", "lang") == "zh-hans"
        assert page.inner_text("#title") == "禁止通行"
        assert page.inner_text("#detail") == "未能识别。 请到前台登记。"
        shot(page, "denied-chinese")
        browser.close()
