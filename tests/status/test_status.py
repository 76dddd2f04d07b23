"""Gates and kiosks at a glance: the page's starting state, who may see it, and the live
updates pushed over /ws/status/ as kiosks connect, beat, decide and leave."""

import asyncio
import datetime as dt

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accessportal.asgi import application
from recognition.status.consumer import StatusConsumer
from recognition.status.gates import gate_statuses
from tests.factories import GateFactory, PersonFactory, SiteFactory, UserFactory, access_event
from tests.kiosks.test_kiosk_socket import closed_with, open_socket, paired, run

pytestmark = pytest.mark.django_db(transaction=True)


def operator(*codenames: str):
    """A staff account with these permissions (this module commits, so the role groups of the
    migrations are not here)."""
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def watcher():
    return operator("view_kiosk", "view_accessevent")


async def status_socket(user):
    socket = WebsocketCommunicator(StatusConsumer.as_asgi(), "/ws/status/")
    socket.scope["user"] = user
    connected, _ = await socket.connect()
    assert connected
    return socket


def test_the_starting_state_counts_today_in_the_sites_time_zone():
    now = timezone.now()
    tokyo = SiteFactory(name="Tokyo", timezone="Asia/Tokyo")
    gate = GateFactory(site=tokyo, name="Lobby")
    kiosk, _ = paired(gate)
    midnight_there = dt.datetime.combine(
        now.astimezone(dt.timezone(dt.timedelta(hours=9))).date(),
        dt.time(),
        tzinfo=dt.timezone(dt.timedelta(hours=9)),
    )
    access_event(gate=gate, person=PersonFactory(), at=midnight_there - dt.timedelta(minutes=1))
    access_event(gate=gate, person=PersonFactory(), at=midnight_there + dt.timedelta(minutes=1))
    access_event(gate=gate, granted=False, reason="unknown_face", at=now)
    (status,) = [s for s in gate_statuses(now=now) if s.gate == gate]
    assert (status.granted_today, status.denied_today) == (1, 1)
    assert [k["name"] for k in status.kiosks] == [kiosk.name]
    assert [e["reason"] for e in status.last_events] == ["unknown_face", "granted", "granted"]


def test_a_kiosk_whose_credential_was_copied_is_flagged_on_the_page(client):
    from recognition.kiosks.pairing import kiosk_credential_misused

    gate = GateFactory(name="Lobby")
    flagged, _ = paired(gate)
    clean, _ = paired(gate)
    kiosk_credential_misused(kiosk_id=flagged.pk)
    client.force_login(watcher())
    page = client.get(reverse("recognition:status")).content.decode()
    items = page.split('<li data-kiosk="')[1:]
    flagged_item = next(i for i in items if i.startswith(str(flagged.pk)))
    clean_item = next(i for i in items if i.startswith(str(clean.pk)))
    assert "Credential copied" in flagged_item and " hidden>" not in flagged_item
    assert "Credential copied" in clean_item and " hidden>" in clean_item  # there, not shown


def test_who_may_see_the_page(client):
    for user, expected in (
        (watcher(), 200),
        (operator("view_kiosk"), 403),
        (UserFactory(), 403),
    ):
        client.force_login(user)
        assert client.get(reverse("recognition:status")).status_code == expected


def test_the_status_socket_refuses_strangers_and_pushes_to_operators():
    from django.contrib.auth.models import AnonymousUser

    stranger, operator_user, gate = UserFactory(), watcher(), GateFactory()
    _, credential = paired(gate)

    async def scenario():
        anonymous = WebsocketCommunicator(StatusConsumer.as_asgi(), "/ws/status/")
        anonymous.scope["user"] = AnonymousUser()
        await anonymous.connect()
        assert (await closed_with(anonymous))[0] == 4401
        refused = await status_socket(stranger)
        assert (await closed_with(refused))[0] == 4403

        socket = await status_socket(operator_user)
        kiosk_socket, _ = await open_socket(credential)
        update = await socket.receive_json_from(timeout=5)
        assert update["kind"] == "kiosk" and update["status"] == "online"
        assert update["gate"] == gate.pk
        await kiosk_socket.disconnect()
        update = await socket.receive_json_from(timeout=5)
        assert update["kind"] == "kiosk" and update["status"] == "offline"
        await socket.disconnect()

    run(scenario)


def test_the_status_route_needs_a_session_user():
    async def scenario():
        socket = WebsocketCommunicator(
            application,
            "/ws/status/",
            headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
        )
        await socket.connect()
        assert (await closed_with(socket))[0] == 4401

    run(scenario)


@pytest.mark.parametrize(
    ("lapse", "code"),
    [
        ("signed out", 4401),
        ("password changed", 4401),
        ("deactivated", 4401),
        ("taken out of the role", 4403),
    ],
)
def test_an_open_status_socket_closes_once_its_operator_may_no_longer_see_it(
    client, settings, monkeypatch, lapse, code
):
    """GIVEN an operator watching the status page WHEN they sign out, their password changes,
    their account is deactivated or they leave the role THEN the next update is not theirs:
    the socket closes instead (checked afresh at most every RECHECK_SECONDS)."""
    from importlib import import_module

    from channels.layers import get_channel_layer
    from django.contrib.sessions.models import Session

    from recognition.kiosks.activity import ACTIVITY_GROUP, activity_publish, kiosk_update
    from recognition.kiosks.pairing import KioskState
    from recognition.status import consumer

    monkeypatch.setattr(consumer, "RECHECK_SECONDS", 0.0)
    # The in-memory layer on either backend: the test waits on its groups (below).
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    user, gate = watcher(), GateFactory()
    client.force_login(user)
    session_key = client.session.session_key
    lapses = {
        "signed out": lambda: Session.objects.filter(session_key=session_key).delete(),
        "password changed": lambda: (user.set_password("a new one"), user.save()),
        "deactivated": lambda: type(user).objects.filter(pk=user.pk).update(is_active=False),
        "taken out of the role": lambda: user.user_permissions.clear(),
    }

    async def scenario():
        socket = WebsocketCommunicator(StatusConsumer.as_asgi(), "/ws/status/")
        socket.scope["user"] = user
        socket.scope["session"] = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        assert (await socket.connect())[0]
        layer = get_channel_layer()  # the in-memory layer: its groups can be looked at
        for _ in range(100):  # the socket joins its group just after it is accepted
            if layer.groups.get(ACTIVITY_GROUP):
                break
            await asyncio.sleep(0.05)
        await activity_publish(kiosk_update(1, gate.pk, KioskState.ONLINE))
        before = await socket.receive_json_from(timeout=5)
        await asyncio.to_thread(lapses[lapse])
        await activity_publish(kiosk_update(1, gate.pk, KioskState.OFFLINE))
        return before, await closed_with(socket)

    before, (closed, _) = run(scenario)
    assert before["status"] == "online"
    assert closed == code


def test_the_status_socket_needs_the_second_factor_where_the_role_asks_for_one(client, settings):
    """A session signed in without the second factor its role needs (made before the role
    asked for one) gets no updates; one that passed it does."""
    from importlib import import_module

    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.SECOND_FACTOR_ROLES = ["superusers"]
    user = UserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.force_login(user)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    unverified_key = client.session.session_key
    other = Client()
    other.force_login(user)  # another session, which passed the second factor
    session = other.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    async def connect_with(session_key):
        socket = WebsocketCommunicator(StatusConsumer.as_asgi(), "/ws/status/")
        socket.scope["user"] = user
        socket.scope["session"] = store(session_key)
        await socket.connect()
        return socket

    async def scenario():
        refused = await closed_with(await connect_with(unverified_key))
        verified = await connect_with(session.session_key)
        stays = await verified.receive_nothing(timeout=0.5)
        await verified.disconnect()
        return refused, stays

    (code, reason), stays = run(scenario)
    assert code == 4401 and "second factor" in reason
    assert stays
