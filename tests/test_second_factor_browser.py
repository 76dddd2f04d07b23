"""The second factor as an operator meets it, in headless Chromium against Daphne with the
shipped roles: the first sign-in sets up an authenticator app from the QR code's secret and
makes backup codes; the next asks for the app's code; a backup code stands in for a lost
phone. Every page runs under the Content-Security-Policy with nothing refused or missing,
the favicon included.

Screenshots (1280 px and a phone's 390 px) go to ``ACCESSPORTAL_TEST_ARTIFACTS``.
"""

import base64
import os
import textwrap
from pathlib import Path

import pytest
from django_otp.oath import totp

from tests.processes import Server, chromium_path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ACCESSPORTAL_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
PASSWORD = "second-factor-test-password"
pytestmark = [pytest.mark.slow, pytest.mark.one_backend]

SETUP = textwrap.dedent(
    """
    from django.contrib.auth.models import Group, User
    from django_otp.plugins.otp_totp.models import TOTPDevice
    for name, role in (("manager", "Managers"), ("desk", "Security desk"), ("auditor", "Auditors")):
        user = User.objects.create_user(name, password={password!r}, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
    # The auditor set up an authenticator app already.
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    print("KEY", device.key)
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(
        tmp_path_factory.mktemp("second-factor-server"),
        ACCESSPORTAL_SECOND_FACTOR_ROLES="superusers,Managers,Auditors,Security desk",
    )
    output = server.prepare(SETUP.format(password=PASSWORD))
    server.auditor_key = output.split("KEY")[1].split()[0]
    # Passkeys need a domain, not an IP address: the pages are opened at localhost too.
    server.env["ACCESSPORTAL_PASSKEY_ORIGINS"] = f"http://localhost:{server.port}"
    server.start()
    yield server
    server.stop()


def app_code(secret: str) -> str:
    """The code an authenticator app shows for the base32 secret, now."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def app_code_hex(key: str) -> str:
    return f"{totp(bytes.fromhex(key)):06d}"


def next_button(page):
    return page.locator("button.btn-primary[type=submit]")


@pytest.mark.parametrize(("username", "width"), [("manager", 1280), ("desk", 390)])
def test_an_operator_sets_up_the_app_then_signs_in_with_its_code(server, username, width):
    from playwright.sync_api import sync_playwright

    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if "Content-Security-Policy" in message.text
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                refused.append(f"{response.url}: {response.status}")
                if response.status >= 400
                else None
            ),
        )

        def shot(name: str) -> None:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(ARTIFACTS / f"second-factor-{name}-{width}.png"), full_page=True
            )

        page.goto(f"{server.url}/admin/")
        assert "/account/login/" in page.url
        shot("sign-in")
        page.fill("#id_auth-username", username)
        page.fill("#id_auth-password", PASSWORD)
        next_button(page).click()
        page.wait_for_url(f"{server.url}/account/two_factor/setup/")  # nothing else first
        next_button(page).click()  # the welcome step
        if page.locator("#id_method-method_0").count():  # the method step (only the app)
            next_button(page).click()
        qr = page.locator("img[alt='QR Code']")
        qr.wait_for()
        page.wait_for_load_state("load")  # the image itself, not only its element (slow runs)
        assert qr.evaluate("image => image.naturalWidth") > 0  # served, and allowed by the CSP
        secret = page.locator("a[href^='otpauth://']").inner_text().strip()
        shot("set-up")
        page.fill("#id_generator-token", app_code(secret))
        next_button(page).click()
        page.wait_for_url(f"{server.url}/account/two_factor/setup/complete/")
        page.get_by_role("link", name="Make backup codes").click()
        page.wait_for_url(f"{server.url}/account/two_factor/backup/tokens/")
        next_button(page).click()  # make them
        page.locator(".backup-codes li").first.wait_for()
        codes = [c.strip() for c in page.locator(".backup-codes li").all_inner_texts()]
        assert len(codes) == 10
        shot("backup-codes")

        page.click("#logout-form button")
        page.goto(f"{server.url}/admin/")
        page.fill("#id_auth-username", username)
        page.fill("#id_auth-password", PASSWORD)
        next_button(page).click()
        page.locator("#id_token-otp_token").wait_for()  # the code is asked for now
        shot("code")
        page.fill("#id_token-otp_token", app_code(secret))
        next_button(page).click()
        page.wait_for_url(f"{server.url}/admin/")

        # A lost phone: a backup code instead, once.
        page.click("#logout-form button")
        page.goto(f"{server.url}/admin/")
        page.fill("#id_auth-username", username)
        page.fill("#id_auth-password", PASSWORD)
        next_button(page).click()
        page.click("button[value=backup]")
        page.fill("#id_backup-otp_token", codes[0])
        next_button(page).click()
        page.wait_for_url(f"{server.url}/admin/")
        page.goto(f"{server.url}/account/two_factor/")
        assert "9 left" in page.inner_text("#content")
        assert "cannot be switched off" in page.inner_text("#content")
        shot("account-security")
        browser.close()
    assert refused == []


def test_an_operator_adds_a_passkey_and_signs_in_with_it_alone(server):
    """In Chromium's virtual authenticator (a platform passkey that verifies its user)."""
    from playwright.sync_api import sync_playwright

    site = f"http://localhost:{server.port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        page.goto(f"{site}/admin/")
        page.fill("#id_auth-username", "auditor")
        page.fill("#id_auth-password", PASSWORD)
        next_button(page).click()
        page.fill("#id_token-otp_token", app_code_hex(server.auditor_key))
        next_button(page).click()
        page.wait_for_url(f"{site}/admin/")

        page.goto(f"{site}/account/two_factor/")
        page.click("#passkey-register-button")
        page.locator('#passkey-register-status-message[data-status-enum="success"]').wait_for(
            state="attached"
        )
        page.reload()
        assert "You have 1 passkey." in page.inner_text("#content")
        page.screenshot(
            path=str(ARTIFACTS / "second-factor-passkey-added-1280.png"), full_page=True
        )

        page.click("#logout-form button")
        page.goto(f"{site}/admin/")
        page.click("#passkey-verification-button")  # no user name, no password, no code
        page.wait_for_url(f"{site}/admin/")
        assert "auditor" in page.inner_text("#user-tools").lower()
        browser.close()
