"""Pairing a kiosk: the one-time link, the device credential, revocation, and the pages."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from recognition.kiosks import pairing
from recognition.models import Kiosk
from tests.factories import GateFactory
from tests.kiosk_device import DeviceKey

pytestmark = pytest.mark.django_db

COOKIE = "accessportal_kiosk"


def pair(client, token: str):
    """Open the link as its page's script does: the token with a fresh device key."""
    return client.post("/kiosk/pair/", {"token": token, "device_key": DeviceKey().public})


def test_opening_the_link_pairs_once_and_the_kiosk_page_loads(client):
    gate = GateFactory(name="Main entrance")
    kiosk, token = pairing.kiosk_create(gate=gate)

    link = pairing.pairing_url(token)
    assert link.endswith(f"/kiosk/pair/#{token}")  # a fragment: never sent to the server
    page = client.get("/kiosk/pair/")
    assert page.status_code == 200
    assert b"pair.js" in page.content  # the page submits itself: opening the link pairs
    assert token.encode() not in page.content

    paired = pair(client, token)
    assert paired.status_code == 302 and paired["Location"] == "/kiosk/"
    cookie = paired.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    kiosk.refresh_from_db()
    assert kiosk.paired_at and kiosk.credential_hash and not kiosk.pairing_token_hash
    assert cookie.value not in kiosk.credential_hash  # only a hash is stored

    screen = client.get("/kiosk/")
    assert screen.status_code == 200
    assert b'data-state="idle"' in screen.content and b"kiosk.js" in screen.content
    assert b"Main entrance" in screen.content

    other = client.__class__()
    again = pair(other, token)
    assert again.status_code == 404 and b"has been used or has expired" in again.content
    assert COOKIE not in again.cookies


def test_unpaired_and_revoked_devices_get_a_clear_screen_without_the_camera(client):
    unpaired = client.get("/kiosk/")
    assert unpaired.status_code == 403
    assert b'data-state="error"' in unpaired.content
    assert b'data-reason="not_paired"' in unpaired.content
    assert b"kiosk.js" not in unpaired.content and b"<video" not in unpaired.content

    kiosk, token = pairing.kiosk_create(gate=GateFactory())
    pair(client, token)
    pairing.kiosk_revoke(kiosk=kiosk)
    revoked = client.get("/kiosk/")
    assert revoked.status_code == 403 and b'data-reason="revoked"' in revoked.content
    assert b"kiosk.js" not in revoked.content


def test_a_kiosk_whose_gate_was_deleted_says_so(client):
    gate = GateFactory()
    _, token = pairing.kiosk_create(gate=gate)
    pair(client, token)
    gate.delete()
    page = client.get("/kiosk/")
    assert page.status_code == 403 and b'data-reason="no_gate"' in page.content


def test_expired_and_replaced_links_do_not_pair(client):
    kiosk, token = pairing.kiosk_create(gate=GateFactory())
    Kiosk.objects.filter(pk=kiosk.pk).update(pairing_expires_at=timezone.now() - dt.timedelta(1))
    assert pair(client, token).status_code == 404

    newer = pairing.kiosk_pairing_link_new(kiosk=kiosk)
    assert pair(client, token).status_code == 404
    assert pair(client, newer).status_code == 302


def test_re_pairing_replaces_the_old_device(client):
    kiosk, token = pairing.kiosk_create(gate=GateFactory())
    old = pair(client, token).cookies[COOKIE].value
    new = pair(client, pairing.kiosk_pairing_link_new(kiosk=kiosk)).cookies[COOKIE].value
    assert isinstance(pairing.kiosk_check(old), pairing.Refusal)
    assert pairing.kiosk_check(new).id == kiosk.pk


def test_kiosk_create_command_prints_a_working_link(client, capsys):
    GateFactory(slug="main-entrance")
    call_command("kiosk_create", "--gate", "main-entrance", "--name", "Lobby tablet")
    url = capsys.readouterr().out.strip()
    assert url.startswith("http://127.0.0.1:8000/kiosk/pair/#")
    assert pair(client, url.split("#", 1)[1]).status_code == 302
    assert Kiosk.objects.get().name == "Lobby tablet"


def test_kiosk_create_command_names_the_gates_when_the_slug_is_wrong():
    GateFactory(slug="main-entrance")
    with pytest.raises(Exception, match="main-entrance"):
        call_command("kiosk_create", "--gate", "nope")


def test_status_is_online_only_while_the_heartbeat_is_recent():
    kiosk, _ = pairing.kiosk_create(gate=GateFactory())
    assert pairing.kiosk_status(kiosk) == "pairing"
    Kiosk.objects.filter(pk=kiosk.pk).update(credential_hash="x" * 64)
    kiosk.refresh_from_db()
    assert pairing.kiosk_status(kiosk) == "offline"
    pairing.kiosk_seen(kiosk_id=kiosk.pk)
    kiosk.refresh_from_db()
    assert pairing.kiosk_status(kiosk) == "online"
    later = timezone.now() + dt.timedelta(minutes=5)
    assert pairing.kiosk_status(kiosk, now=later) == "offline"
    pairing.kiosk_revoke(kiosk=kiosk)
    assert pairing.kiosk_status(kiosk) == "revoked"


def test_admin_adding_a_kiosk_shows_its_pairing_link_once_to_scan_or_copy(client, manager):
    """The link is a QR code and a text to copy, never a link to click (a click pairs the
    manager's own browser and uses the link up); a server only this computer can reach is
    said to be one."""
    gate = GateFactory()
    client.force_login(manager)
    response = client.post("/admin/recognition/kiosk/add/", {"name": "Lobby", "gate": gate.pk})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = response.content.decode()
    (link,) = re.findall(r'readonly value="([^"]+/kiosk/pair/#[^"]+)"', text)
    assert f'href="{link}"' not in text and 'data-copy="pairing-link-' in text
    assert "<svg" in text and "only this computer can reach" in text  # 127.0.0.1 by default
    token = link.split("#", 1)[1]
    kiosk = pairing.Kiosk.objects.get(name="Lobby")
    assert kiosk.pairing_token_hash and token not in kiosk.pairing_token_hash
    listing = client.get("/admin/recognition/kiosk/").content.decode()
    assert "/kiosk/pair/" not in listing  # shown once, kept nowhere


def test_admin_revoke_action_asks_first(client, manager):
    kiosk, _ = pairing.kiosk_create(gate=GateFactory())
    client.force_login(manager)
    asked = client.post(
        "/admin/recognition/kiosk/",
        {"action": "revoke", "_selected_action": [kiosk.pk]},
    )
    assert "Revoke these kiosks?" in asked.content.decode()
    kiosk.refresh_from_db()
    assert kiosk.revoked_at is None  # not before the answer
    client.post(
        "/admin/recognition/kiosk/",
        {"action": "revoke", "_selected_action": [kiosk.pk], "confirmed": "yes"},
    )
    kiosk.refresh_from_db()
    assert kiosk.revoked_at is not None


@pytest.mark.parametrize("role", ["manager", "auditor", "desk"])
def test_every_role_reads_kiosks_and_events_and_nobody_edits_events(client, users, role):
    client.force_login(users[role])
    assert client.get("/admin/recognition/kiosk/").status_code == 200
    assert client.get("/admin/recognition/accessevent/").status_code == 200
    assert client.get("/admin/recognition/accessevent/add/").status_code == 403
    can_add_kiosk = client.get("/admin/recognition/kiosk/add/").status_code == 200
    assert can_add_kiosk == (role == "manager")


def test_outsiders_see_no_kiosks(client, outsider):
    client.force_login(outsider)
    assert client.get("/admin/recognition/kiosk/").status_code == 403
