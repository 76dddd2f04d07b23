"""Door outputs: the webhook calls only where it may, and follows no redirect."""

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from gates.doors import DoorCommand, door_open, webhook_address_refusal
from tests.factories import GateFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/open",  # this machine
        "http://localhost/open",
        "http://[::1]/open",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://10.0.0.5/open",  # private networks
        "http://192.168.1.20/open",
        "http://100.64.0.1/open",  # shared address space
        "http://0.0.0.0/open",
    ],
)
def test_a_webhook_to_an_address_that_is_not_public_is_refused(settings, url):
    settings.DOOR_WEBHOOK_ALLOWED_NETWORKS = []
    refusal = webhook_address_refusal(url)
    assert refusal and "is not public" in refusal and "ALLOWED_NETWORKS" in refusal


def test_listed_networks_and_public_addresses_are_allowed(settings):
    settings.DOOR_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    assert webhook_address_refusal("http://10.20.3.4:8080/open") is None
    assert webhook_address_refusal("https://93.184.215.14/open") is None  # a public address
    assert "is not public" in webhook_address_refusal("http://10.21.0.1/open")
    assert "http:// or https://" in webhook_address_refusal("ftp://10.20.3.4/open")


class _Controller(BaseHTTPRequestHandler):
    calls: list[str] = []
    redirect_to = ""

    def do_POST(self):
        self.calls.append(self.path)
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
        else:
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def controller():
    _Controller.calls, _Controller.redirect_to = [], ""
    server = HTTPServer(("127.0.0.1", 0), _Controller)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", _Controller
    server.shutdown()


def webhook_gate(url: str):
    return GateFactory(door_output="webhook", door_webhook_url=url, door_webhook_secret="s3cret")


def command(gate) -> DoorCommand:
    return DoorCommand(
        gate_id=gate.pk, gate=str(gate), event_id=1, person_id=None, occurred_at="2026-12-03T17:00Z"
    )


def test_the_door_controller_on_this_machine_is_called_only_once_allowed(settings, controller):
    base, handler = controller
    gate = webhook_gate(f"{base}/open")
    settings.DOOR_WEBHOOK_ALLOWED_NETWORKS = []
    refused = door_open(gate, command(gate))
    assert not refused.opened and "is not public" in refused.detail and handler.calls == []
    settings.DOOR_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    assert door_open(gate, command(gate)).opened and handler.calls == ["/open"]


def test_a_webhook_that_redirects_is_not_followed(settings, controller):
    base, handler = controller
    settings.DOOR_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    handler.redirect_to = f"{base}/somewhere-else"
    gate = webhook_gate(f"{base}/open")
    result = door_open(gate, command(gate))
    assert not result.opened and "302" in result.detail
    assert handler.calls == ["/open"]  # the redirect's target was never asked
