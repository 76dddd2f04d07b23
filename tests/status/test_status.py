"""Gates and kiosks at a glance: the page's starting state, who may see it, and the live
updates pushed over /ws/status/ as kiosks connect, beat, decide and leave."""

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
            application, "/ws/status/", headers=[(b"origin", b"http://127.0.0.1:8000")]
        )
        await socket.connect()
        assert (await closed_with(socket))[0] == 4401

    run(scenario)
