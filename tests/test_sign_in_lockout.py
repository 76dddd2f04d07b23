"""Operators' sign-in resists guessing: after LOGIN_FAILURE_LIMIT wrong passwords for one
account from one address, that pair is locked for a while, the right password included, on
the admin's form and on the API's token endpoint alike; other addresses are not."""

import pytest

from tests.conftest import password_sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "the-right-one-2026"


@pytest.fixture
def manager():
    user = UserFactory(username="manager", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def admin_sign_in(client, password: str, address: str = "203.0.113.7"):
    return password_sign_in(client, "manager", password, REMOTE_ADDR=address)


def test_the_admin_form_locks_an_account_after_five_wrong_passwords(client, settings, manager):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert admin_sign_in(client, "guess").status_code == 200  # the form again, with its error
    assert admin_sign_in(client, "guess").status_code == 429  # the fifth: locked
    locked = admin_sign_in(client, PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # The same account from another address is not locked: a guesser cannot lock others out.
    elsewhere = admin_sign_in(client, PASSWORD, address="198.51.100.4")
    assert elsewhere.status_code == 302


def test_a_right_password_before_the_limit_starts_the_count_again(client, manager):
    for _ in range(4):
        admin_sign_in(client, "guess")
    assert admin_sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert admin_sign_in(client, "guess").status_code == 200


def test_the_token_endpoint_locks_too(api, manager):
    def token(password: str):
        return api.post(
            "/api/auth/token/",
            {"username": "manager", "password": password},
            REMOTE_ADDR="203.0.113.9",
        )

    for _ in range(5):
        assert token("guess").status_code in (400, 429)
    refused = token(PASSWORD)  # locked: "unable to log in", and no token
    assert refused.status_code in (400, 403, 429) and "token" not in refused.json()
