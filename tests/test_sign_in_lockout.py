"""Operators' sign-in resists guessing: after LOGIN_FAILURE_LIMIT wrong passwords for one
account from one address, that pair is locked for a while, the right password included, on
the admin's form and on the API's token endpoint alike; other addresses are not."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

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


class Receiver(BaseHTTPRequestHandler):
    """A security team's alert webhook: keeps what it is sent."""

    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_lockout_raises_one_alert_by_mail_and_webhook(client, settings, manager, eager_celery):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SECURITY_ALERT_EMAILS = ["security@example.com"]
    settings.SECURITY_ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/alerts"
    Receiver.received = []
    try:
        for _ in range(8):  # locked at the fifth; the guesser goes on
            admin_sign_in(client, "guess")
    finally:
        server.shutdown()
    (sent,) = mail.outbox  # one alert, not one per attempt
    assert sent.to == ["security@example.com"]
    assert "'manager'" in sent.subject and "203.0.113.7" in sent.subject
    (posted,) = Receiver.received
    assert posted["kind"] == "sign_in_locked"
    assert posted["details"] == {"account": "manager", "address": "203.0.113.7"}
