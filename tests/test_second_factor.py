"""Operators' second factor: the roles that need one are held until they set one up; sign-in
then asks for the authenticator app's code (or a backup code) on the pages and at the API's
token endpoint; it cannot be switched off where the role requires it."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accessportal.second_factor import second_factor_missing
from gates import roles
from tests.conftest import password_sign_in
from tests.factories import UserFactory
from tests.processes import manage, process_env

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
SHIPPED = ["superusers", "Managers", "Auditors", "Security desk"]


@pytest.fixture(autouse=True)
def _the_shipped_roles(settings):
    settings.SECOND_FACTOR_ROLES = SHIPPED


def app_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """What the operator's authenticator app shows now (``offset`` steps later)."""
    return f"{totp(device.bin_key, step=device.step, drift=offset):06d}"


def with_app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)  # as set up


def code_step(client, code: str, step: str = "token"):
    return client.post(
        "/account/login/?next=/admin/",
        {"login_view-current_step": step, f"{step}-otp_token": code},
    )


def test_every_role_needs_a_second_factor_unless_the_setting_says_otherwise(tmp_path):
    env = process_env(tmp_path, database=False)
    env.pop("ACCESSPORTAL_SECOND_FACTOR_ROLES")
    shown = manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings; print(settings.SECOND_FACTOR_ROLES)",
    )
    assert shown.strip() == str(SHIPPED)


def test_an_operator_without_one_sets_it_up_before_anything_else(client):
    manager = UserFactory(role=roles.MANAGERS)
    assert password_sign_in(client, manager.username, PASSWORD).status_code == 302
    for page in ("/admin/", "/admin/people/person/", "/recognition/status/"):
        answer = client.get(page)
        assert answer.status_code == 302 and answer["Location"] == "/account/two_factor/setup/"
    api = client.get("/api/people/")  # the API, signed in by this session
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    assert client.get("/account/two_factor/setup/").status_code == 200
    # The setup page's own script catalogue is served, not sent to the setup page again
    # (which would start the setup over with a new secret behind the operator's back).
    assert client.get("/jsi18n/").status_code == 200

    # The set-up wizard: the app's secret, then a code from it.
    assert (
        client.post(
            "/account/two_factor/setup/", {"setup_view-current_step": "welcome"}
        ).status_code
        == 200
    )
    client.post(
        "/account/two_factor/setup/",
        {"setup_view-current_step": "method", "method-method": "generator"},
    )
    shown = client.session["django_two_factor-qr_secret_key"]  # the QR code's secret (base32)
    device = TOTPDevice(key=base64.b32decode(shown + "=" * (-len(shown) % 8)).hex())
    done = client.post(
        "/account/two_factor/setup/",
        {"setup_view-current_step": "generator", "generator-token": app_code(device)},
    )
    assert done.status_code == 302 and done["Location"] == "/account/two_factor/setup/complete/"
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).count() == 1
    assert client.get("/admin/").status_code == 200


def test_sign_in_asks_for_the_code_after_the_password(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code delays the next try; not timed here
    auditor = UserFactory(role=roles.AUDITORS)
    device = with_app(auditor)
    first = password_sign_in(client, auditor.username, PASSWORD)
    assert first.status_code == 200 and "_auth_user_id" not in client.session  # not yet
    wrong = code_step(client, "000000" if app_code(device) != "000000" else "111111")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = code_step(client, app_code(device))
    assert right.status_code == 302 and client.get("/admin/").status_code == 200


def test_a_wrong_code_makes_the_next_one_wait(client):
    """django-otp's throttle: after a wrong code even the right one is refused for a while
    (1 s, then 2, 4, ...), so that six digits cannot be tried through."""
    manager = UserFactory(role=roles.MANAGERS)
    device = with_app(manager)
    password_sign_in(client, manager.username, PASSWORD)
    code_step(client, "000000" if app_code(device) != "000000" else "111111")
    assert code_step(client, app_code(device)).status_code == 200  # refused: too soon
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once(client):
    desk = UserFactory(role=roles.SECURITY_DESK)
    with_app(desk)
    backup = StaticDevice.objects.create(user=desk, name="backup")
    backup.token_set.create(token="a1b2c3d4")
    password_sign_in(client, desk.username, PASSWORD)
    assert code_step(client, "a1b2c3d4", step="backup").status_code == 302
    client.logout()
    password_sign_in(client, desk.username, PASSWORD)
    assert code_step(client, "a1b2c3d4", step="backup").status_code == 200  # used up
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_second_factor_is_sent_to_sign_in_again(client):
    """Signed in before their role asked for one (force_login stands for that session)."""
    manager = UserFactory(role=roles.MANAGERS)
    with_app(manager)
    client.force_login(manager)
    answer = client.get("/admin/people/person/")
    assert answer.status_code == 302 and answer["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in client.session
    assert second_factor_missing({}, manager)


def test_roles_left_out_of_the_setting_sign_in_with_the_password(client, settings):
    settings.SECOND_FACTOR_ROLES = ["Managers"]
    desk = UserFactory(role=roles.SECURITY_DESK)
    password_sign_in(client, desk.username, PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert not second_factor_missing({}, desk)


def test_the_api_token_needs_the_code_too(api, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code delays the next try; not timed here
    manager = UserFactory(role=roles.MANAGERS)
    asked = {"username": manager.username, "password": PASSWORD}
    refused = api.post("/api/auth/token/", asked)
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]
    device = with_app(manager)
    for wrong in ({}, {"otp_token": "12345x"}):  # no code, a wrong one: no token
        answer = api.post("/api/auth/token/", {**asked, **wrong})
        assert answer.status_code == 403 and "otp_token" in answer.json()["detail"]
    given = api.post("/api/auth/token/", {**asked, "otp_token": app_code(device)})
    assert given.status_code == 200 and given.json()["token"]


def test_it_cannot_be_switched_off_where_the_role_requires_it(client, settings):
    manager = UserFactory(role=roles.MANAGERS)
    device = with_app(manager)
    password_sign_in(client, manager.username, PASSWORD)
    code_step(client, app_code(device))
    page = client.get("/account/two_factor/").content.decode()
    assert "cannot be switched off" in page
    assert client.get("/account/two_factor/disable/").status_code == 403
    assert TOTPDevice.objects.filter(user=manager).exists()

    settings.SECOND_FACTOR_ROLES = []
    assert client.get("/account/two_factor/disable/").status_code == 200


def test_a_passkey_is_added_only_by_a_session_that_passed_the_second_factor(client):
    """Else a session signed in with the password alone (one made before the role asked for a
    second factor) could make itself a passkey and skip the app's code from then on."""
    manager = UserFactory(role=roles.MANAGERS)
    with_app(manager)
    client.force_login(manager)  # password only
    begun = client.post("/account/passkeys/registration/begin/")
    assert begun.status_code == 403 and "second factor" in begun.json()["detail"]
    client.logout()
    password_sign_in(client, manager.username, PASSWORD)
    code_step(client, app_code(TOTPDevice.objects.get(user=manager)))
    options = client.post("/account/passkeys/registration/begin/")
    assert options.status_code == 200 and options.json()["rp"]["id"] == "localhost"
