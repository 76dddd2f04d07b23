"""The kiosk WebSocket against the real ASGI application: handshakes, bad input, and the whole
decision flow with the real face engine on real photos."""

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from accessportal.asgi import application
from gates.doors import SIGNATURE_HEADER, TIMESTAMP_HEADER
from gates.models import AccessRule
from recognition.access_log.chain import audit_chain_verify
from recognition.faces import enrolment
from recognition.kiosks import consumer, pairing
from recognition.kiosks.consumer import KioskConsumer
from recognition.kiosks.liveness import TurnDirection
from recognition.kiosks.recording import passage_record
from recognition.models import AccessEvent, DoorActuation, Kiosk
from tests.camera import camera_image, camera_jpeg, held_up
from tests.conftest import FACES, UNIT
from tests.factories import AccessRuleFactory, GateFactory, PersonFactory, UserFactory
from tests.kiosk_device import DeviceKey
from tests.kiosk_fuzz import TEXT_TOO_LONG, bad_frames, bad_texts

pytestmark = pytest.mark.django_db(transaction=True)

COOKIE = "accessportal_kiosk"
EMPTY_SCENE = camera_jpeg(None)


def run(scenario):
    """Run an async scenario from a sync test (database calls come back to this thread)."""
    return async_to_sync(scenario)()


# The device key each test kiosk was paired with, by its credential: open_socket proves it.
DEVICES: dict[str, DeviceKey] = {}


def paired(gate=None) -> tuple[Kiosk, str]:
    _, token = pairing.kiosk_create(gate=gate or GateFactory())
    device = DeviceKey()
    kiosk, credential = pairing.kiosk_pair(token=token, device_key=device.public)
    DEVICES[credential] = device
    return kiosk, credential


async def open_socket(
    credential=None, origin="http://127.0.0.1:8000", host="127.0.0.1:8000", prove=True
):
    """A kiosk's socket; with ``prove`` (and a credential whose kiosk is accepted) it answers
    the server's challenge with the device key, as the kiosk page does."""
    headers = [(b"origin", origin.encode()), (b"host", host.encode())]
    if credential:
        headers.append((b"cookie", f"{COOKIE}={credential}".encode()))
    socket = WebsocketCommunicator(application, "/ws/kiosk/", headers=headers)
    connected, _ = await socket.connect()
    if connected and prove and credential in DEVICES:
        challenge = await socket.receive_json_from(timeout=5)
        assert challenge["type"] == "challenge", challenge
        await socket.send_json_to(DEVICES[credential].proof(challenge))
    return socket, connected


async def closed_with(socket) -> tuple[int, str]:
    """Skip messages until the server closes; the close code and reason."""
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output.get("code"), output.get("reason", "")


async def next_of(socket, kind: str, timeout=20) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


# --- Handshakes ---------------------------------------------------------------------------------


def test_a_paired_kiosk_is_greeted_and_seen():
    kiosk, credential = paired(GateFactory(name="Lobby"))

    async def scenario():
        socket, connected = await open_socket(credential)
        assert connected
        hello = await socket.receive_json_from()
        await socket.disconnect()
        return hello

    hello = run(scenario)
    assert hello == {
        "type": "hello",
        "kiosk": kiosk.name,
        "gate": "Lobby",
        "ready": True,
        "claim": False,  # a face-only gate: no pass asked for first
    }
    kiosk.refresh_from_db()
    assert kiosk.last_seen_at is not None


@pytest.mark.parametrize("outcome", ["loaded", "failed"])
def test_a_kiosk_is_told_to_wait_while_the_engine_loads(monkeypatch, outcome):
    """A process just started: its kiosks show "starting" (and send no frames) until the
    engine is loaded, then hear so; or that it could not load."""
    from recognition.kiosks.analyzers import EngineState, Readiness

    states = iter([EngineState.LOADING] * 3 + [EngineState(outcome)] * 10)
    monkeypatch.setattr(consumer, "READY_POLL_SECONDS", 0.01)
    monkeypatch.setattr(consumer, "analyzer_readiness", lambda: Readiness(next(states)))
    _, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        hello = await next_of(socket, "hello")
        ready = await next_of(socket, "ready")
        await socket.disconnect()
        return hello, ready

    hello, ready = run(scenario)
    assert hello["ready"] is False
    assert ready["ok"] is (outcome == "loaded")
    if outcome == "failed":
        assert "not available" in ready["message"]


@pytest.mark.parametrize("case", ["no credential", "unknown credential", "revoked", "no gate"])
def test_refused_devices_are_told_why_and_closed(case):
    kiosk, credential = paired()
    if case == "no credential":
        credential = None
    elif case == "unknown credential":
        credential = "not-a-real-one"
    elif case == "revoked":
        pairing.kiosk_revoke(kiosk=kiosk)
    else:
        kiosk.gate.delete()
    expected = {
        "no credential": 4401,
        "unknown credential": 4401,
        "revoked": 4403,
        "no gate": 4404,
    }[case]

    async def scenario():
        socket, connected = await open_socket(credential, prove=False)
        refused = await socket.receive_json_from()
        code, reason = await closed_with(socket)
        return connected, refused, code, reason

    connected, refused, code, reason = run(scenario)
    assert connected  # accepted and then closed, so that the device can read why
    assert refused["type"] == "refused" and refused["message"]
    assert code == expected and reason == refused["message"]


@pytest.mark.parametrize(
    ("origin", "host", "accepted"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),  # the page's own origin
        ("http://localhost:8000", "localhost:8000", True),  # the same, unset public URL
        ("https://evil.example", "127.0.0.1:8000", False),
        ("http://127.0.0.1:9999", "127.0.0.1:8000", False),  # another port of an allowed host
        ("https://127.0.0.1:8000", "127.0.0.1:8000", False),  # another scheme
        ("ws://127.0.0.1:8000", "127.0.0.1:8000", False),
        ("file://", "127.0.0.1:8000", False),
        ("null", "127.0.0.1:8000", False),
        ("", "127.0.0.1:8000", False),  # no origin at all
        ("http://127.0.0.1:8000", "evil.example", False),  # a Host that is not allowed
        ("http://127.0.0.1:8000", "", False),
    ],
)
def test_the_handshake_needs_the_pages_own_origin_and_an_allowed_host(origin, host, accepted):
    _, credential = paired()

    async def scenario():
        headers = [(b"cookie", f"{COOKIE}={credential}".encode())]
        headers += [
            (name, value.encode())
            for name, value in ((b"origin", origin), (b"host", host))
            if value
        ]
        socket = WebsocketCommunicator(application, "/ws/kiosk/", headers=headers)
        connected, _ = await socket.connect()
        if connected:
            await socket.disconnect()
        return connected

    assert run(scenario) is accepted


def test_revoking_closes_the_open_socket_at_once():
    kiosk, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        # As the admin action does it: the service revokes, the socket learns on commit.
        await database_sync_to_async(pairing.kiosk_revoke)(kiosk=kiosk)
        return await closed_with(socket)

    assert run(scenario)[0] == 4403


def test_a_second_connection_of_the_same_kiosk_takes_over():
    _, credential = paired()

    async def scenario():
        first, _ = await open_socket(credential)
        await first.receive_json_from()
        second, _ = await open_socket(credential)
        await second.receive_json_from()
        code = await closed_with(first)
        await second.disconnect()
        return code

    assert run(scenario)[0] == 4409


# --- Bad input ----------------------------------------------------------------------------------


def test_text_messages_other_than_heartbeats_get_an_error_and_heartbeats_an_answer():
    _, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        await socket.send_to(text_data="hello?")
        error = await socket.receive_json_from()
        await socket.send_json_to({"type": "frame", "data": "..."})
        error2 = await socket.receive_json_from()
        await socket.send_json_to({"type": "heartbeat"})
        beat = await socket.receive_json_from()
        await socket.disconnect()
        return error, error2, beat

    error, error2, beat = run(scenario)
    assert error["type"] == error2["type"] == "error" and error["code"] == "bad_message"
    assert beat == {"type": "heartbeat"}


def test_a_heartbeat_notices_that_the_gate_was_deleted():
    kiosk, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        await asyncio.to_thread(lambda: Kiosk.objects.filter(pk=kiosk.pk).update(gate=None))
        await socket.send_json_to({"type": "heartbeat"})
        return await closed_with(socket)

    assert run(scenario)[0] == 4404


def test_frames_that_are_not_jpeg_or_too_large_are_refused(settings, face_engine):
    settings.KIOSK_MAX_FRAME_BYTES = 64 * 1024
    _, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        await socket.send_to(bytes_data=b"GIF89a not a jpeg")
        not_jpeg = await socket.receive_json_from()
        await socket.send_to(bytes_data=EMPTY_SCENE[:200])  # a JPEG cut short
        truncated = await next_of(socket, "error")
        await socket.send_to(bytes_data=EMPTY_SCENE)  # the socket still serves
        still = await next_of(socket, "frame")
        await socket.send_to(bytes_data=b"\xff\xd8\xff" + b"\0" * 70_000)
        return not_jpeg, truncated, still, await closed_with(socket)

    not_jpeg, truncated, still, (code, _) = run(scenario)
    assert not_jpeg["code"] == "bad_frame" and "JPEG" in not_jpeg["message"]
    assert truncated["code"] == "bad_frame" and truncated["frame"] == 1
    assert still["state"] == "idle" and still["faces"] == 0
    assert code == 4413  # Daphne sends 4xxx codes; a 1009 would reach the kiosk as 1011


def test_a_flood_is_closed(settings):
    settings.KIOSK_MAX_MESSAGES_PER_SECOND = 2
    _, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        for _ in range(30):
            await socket.send_to(text_data="x")
        return await closed_with(socket)

    assert run(scenario)[0] == 4429


def test_malformed_messages_get_an_answer_and_never_break_the_socket(settings, face_engine):
    """A fuzz of what a broken or hostile client sends: each message gets an error naming
    what was wrong, nothing raises inside the application, and the socket goes on serving;
    only a text message too large to read closes it, with its documented code."""
    import random

    settings.KIOSK_MAX_MESSAGES_PER_SECOND = 10_000
    _, credential = paired()
    rng = random.Random(14)
    binary = bad_frames(rng)
    text = [TEXT_TOO_LONG, *bad_texts(rng)]

    async def scenario():
        answers = []
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        for message in binary:
            await socket.send_to(bytes_data=message)
            answers.append(await next_of(socket, "error"))
        for message in text[1:]:
            await socket.send_to(text_data=message)
            answers.append(await socket.receive_json_from(timeout=20))
        await socket.send_to(bytes_data=EMPTY_SCENE)
        still = await next_of(socket, "frame")
        await socket.send_to(text_data=text[0])
        return answers, still, await closed_with(socket)

    answers, still, (code, _) = run(scenario)
    assert [a["code"] for a in answers[: len(binary)]] == ["bad_frame"] * len(binary)
    assert "megapixels" in answers[0]["message"] and "megapixels" in answers[1]["message"]
    assert [a["code"] for a in answers[len(binary) :]] == ["bad_message"] * (len(text) - 1)
    assert still["type"] == "frame" and still["state"] == "idle"
    assert code == 4413


def test_a_socket_that_never_sends_is_closed(settings):
    settings.KIOSK_IDLE_TIMEOUT_SECONDS = 0.3
    _, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        return await closed_with(socket)

    assert run(scenario)[0] == 4408


# --- The decision flow, with the real engine on real photos ---------------------------------------


@pytest.fixture
def people_and_gate(settings, tmp_path, face_engine, eager_celery):
    """Ada enrolled from two photos, allowed at the gate at any time; liveness required."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KIOSK_LEAVE_SECONDS = 0.3
    # Each socket in these tests is a passage of its own, however soon after the last one;
    # test_a_kiosk_that_connects_again_carries_on_its_passage is about the opposite.
    settings.KIOSK_RESUME_SECONDS = 0
    gate = GateFactory(name="Main entrance", liveness_required=True)
    ada = PersonFactory(first_name="Ada", last_name="Lovelace")
    for name in ("img1.jpg", "img2.jpg"):
        image = SimpleUploadedFile(name, (UNIT / name).read_bytes(), content_type="image/jpeg")
        enrolment.face_photo_create(person=ada, image=image)
    assert ada.face_photos.filter(status="enrolled").count() == 2
    AccessRuleFactory(person=ada, gate=gate)
    return ada, gate


async def frames_until_decision(socket, frame: bytes, *, limit=6) -> tuple[list[dict], dict]:
    """Send frames one at a time until a decision comes (or ``limit`` frames went by). The
    frame that completes a passage is answered "detecting", then the decision follows."""
    replies = []
    for _ in range(limit):
        await socket.send_to(bytes_data=frame)
        reply = await next_of(socket, "frame")
        replies.append(reply)
        assert reply["state"] != "decided", "decided before the decision was sent"
        if not await socket.receive_nothing(timeout=0.3):
            return replies, await next_of(socket, "decision")
    raise AssertionError(f"no decision after {limit} frames: {replies}")


def decision_for(credential: str, frame: bytes) -> dict:
    """Open the kiosk's socket, send ``frame`` until a decision comes, and return it."""

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        _, decision = await frames_until_decision(socket, frame)
        await socket.disconnect()
        return decision

    return run(scenario)


async def frames_without_decision(socket, frame: bytes, count: int) -> list[dict]:
    replies = []
    for _ in range(count):
        await socket.send_to(bytes_data=frame)
        replies.append(await socket.receive_json_from(timeout=20))
    return replies


class SteppedClock:
    """The consumer's clock, which a test moves on instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def test_an_enrolled_person_is_granted_once_per_passage(people_and_gate, settings, monkeypatch):
    ada, gate = people_and_gate
    clock = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(clock))
    kiosk, credential = paired(gate)
    ada_frame = camera_jpeg(UNIT / "img6.jpg")  # not one of the enrolment photos

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        first = await frames_until_decision(socket, ada_frame)
        staying = await frames_without_decision(socket, ada_frame, 4)
        leaving = await frames_without_decision(socket, EMPTY_SCENE, 1)
        clock.advance(0.4)  # longer than KIOSK_LEAVE_SECONDS: the person has left
        left = await frames_without_decision(socket, EMPTY_SCENE, 1)
        second = await frames_until_decision(socket, ada_frame)
        await socket.disconnect()
        return first, staying, leaving + left, second

    (replies, decision), staying, leaving, (_, again) = run(scenario)
    assert [r["state"] for r in replies] == ["detecting", "detecting"]  # then the decision
    assert decision["state"] == "granted" and decision["reason"] == "granted"
    assert decision["name"] == "Ada" and decision["door"] == "opened"
    assert [m["type"] for m in staying] == ["frame"] * 4  # no second decision while she stays
    assert all(m["state"] == "decided" for m in staying)
    assert leaving[-1]["state"] == "idle"
    assert again["state"] == "granted"

    events = list(AccessEvent.objects.order_by("id"))
    assert len(events) == 2 and events[0].pk == decision["event"]
    event = events[0]
    assert event.person == ada and event.person_name == "Ada Lovelace"
    assert event.granted and event.reason == "granted" and event.rule is not None
    assert event.kiosk == kiosk and event.gate == gate and event.frames == 2
    assert 0 < event.distance < settings.FACE_MATCH_THRESHOLD
    assert event.margin is None  # only one person enrolled
    assert event.liveness > 0.5 and event.door.opened and event.door.detail == "logged"
    assert event.model_name == "SFace-int8bq/yunet-5pt cosine"
    assert event.site_name == gate.site.name and event.rule_name == event.rule.name
    assert audit_chain_verify().ok


def test_a_kiosk_that_connects_again_carries_on_its_passage(people_and_gate, settings, monkeypatch):
    """GIVEN Ada granted at a kiosk whose socket then dies (its web process was killed)
    WHEN the kiosk connects again, here or to another process, with Ada still in front of it
    THEN she is not decided, nor the door fired, again; once she has left, she is."""
    settings.KIOSK_RESUME_SECONDS = 30
    _ada, gate = people_and_gate
    clock = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(clock))
    _kiosk, credential = paired(gate)
    ada_frame = camera_jpeg(UNIT / "img6.jpg")

    async def scenario():
        first = await open_socket(credential)
        await first[0].receive_json_from()
        _, granted = await frames_until_decision(first[0], ada_frame)
        await first[0].disconnect()
        # A new consumer: nothing of the first one's memory survives, as in another process.
        again, _ = await open_socket(credential)
        await again.receive_json_from()
        staying = await frames_without_decision(again, ada_frame, 4)
        await frames_without_decision(again, EMPTY_SCENE, 1)
        clock.advance(0.4)  # longer than KIOSK_LEAVE_SECONDS: she has left
        await frames_without_decision(again, EMPTY_SCENE, 1)
        _, back = await frames_until_decision(again, ada_frame)
        await again.disconnect()
        return granted, staying, back

    granted, staying, back = run(scenario)
    assert granted["state"] == "granted" and granted["door"] == "opened"
    assert [(m["type"], m["state"]) for m in staying] == [("frame", "decided")] * 4
    assert back["state"] == "granted" and back["door"] == "opened"
    events = AccessEvent.objects.order_by("sequence")
    assert [e.pk for e in events] == [granted["event"], back["event"]]
    assert DoorActuation.objects.count() == 2  # one per passage, none for the reconnection


def test_a_stranger_is_denied_as_unknown_and_told_the_sites_next_step(people_and_gate, settings):
    _, gate = people_and_gate
    gate.site.unrecognised_advice = "Visitors: please call reception on 030 1234 5678."
    gate.site.save()
    _, credential = paired(gate)

    decision = decision_for(credential, camera_jpeg(UNIT / "img34.jpg"))
    assert decision["state"] == "denied" and decision["reason"] == "unknown_face"
    assert decision["message"] == "Not recognised." and decision["name"] == ""
    assert decision["advice"] == "Visitors: please call reception on 030 1234 5678."
    event = AccessEvent.objects.get()
    assert event.person is None and not event.granted
    assert event.distance > settings.FACE_MATCH_THRESHOLD
    assert not hasattr(event, "door")  # nothing fired


class DatabaseAway:
    """passage_record while the database is away for the first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0

    def __call__(self, **facts):
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("the connection is closed")
        return passage_record(**facts)


def test_a_passage_is_recorded_once_the_database_is_back(people_and_gate, monkeypatch):
    """GIVEN the database away for two tries (a restart) WHEN Ada steps up THEN she is
    granted once it is back: one event, the door fired once."""
    _, gate = people_and_gate
    _, credential = paired(gate)
    away = DatabaseAway(failures=2)
    monkeypatch.setattr(consumer, "passage_record", away)
    monkeypatch.setattr(consumer, "RECORD_RETRY_SECONDS", (0.01, 0.01, 0.01))

    decision = decision_for(credential, camera_jpeg(UNIT / "img6.jpg"))
    assert away.calls == 3
    assert decision["state"] == "granted" and decision["door"] == "opened"
    event = AccessEvent.objects.get()
    assert event.granted and event.door.opened


def test_a_passage_that_cannot_be_recorded_is_told_and_opens_nothing(people_and_gate, monkeypatch):
    """GIVEN the database away for longer than the retries WHEN Ada steps up THEN the kiosk
    is told the passage was not recorded and nothing opens; when it is back, she is decided
    afresh without having to step away."""
    _, gate = people_and_gate
    _, credential = paired(gate)
    away = DatabaseAway(failures=4)
    monkeypatch.setattr(consumer, "passage_record", away)
    monkeypatch.setattr(consumer, "RECORD_RETRY_SECONDS", (0.01, 0.01, 0.01))
    ada = camera_jpeg(UNIT / "img6.jpg")

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        replies = []
        while not any(r.get("code") == "not_recorded" for r in replies):
            await socket.send_to(bytes_data=ada)
            replies.append(await socket.receive_json_from(timeout=20))
            assert len(replies) < 20, replies
        failed = next(r for r in replies if r.get("code") == "not_recorded")
        _, decision = await frames_until_decision(socket, ada)
        await socket.disconnect()
        return replies, failed, decision

    replies, failed, decision = run(scenario)
    assert failed["type"] == "error" and "door stays shut" in failed["message"]
    assert not [r for r in replies if r["type"] == "decision"]
    assert away.calls == 5
    assert decision["state"] == "granted"
    assert AccessEvent.objects.count() == 1


def test_two_people_at_once_are_guided_one_at_a_time_and_no_denial_is_recorded(
    people_and_gate, settings, monkeypatch
):
    """Guidance, not a decision: then the one who stays in front is decided as usual."""
    _, gate = people_and_gate
    clock = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(clock))
    _, credential = paired(gate)
    couple = camera_jpeg(UNIT / "couple.jpg")

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        messages = []
        for _ in range(4):
            messages += await reply_to(socket, couple)
        _, decision = await frames_until_decision(socket, camera_jpeg(UNIT / "img6.jpg"))
        await socket.disconnect()
        return messages, decision

    messages, decision = run(scenario)
    (guidance,) = [m for m in messages if m["type"] == "guidance"]
    assert guidance["code"] == "several_faces"
    assert guidance["message"] == "Please step up one at a time."
    assert not [m for m in messages if m["type"] == "decision"]
    assert decision["state"] == "granted"  # Ada, alone now
    assert list(AccessEvent.objects.values_list("reason", flat=True)) == ["granted"]


def test_a_photo_of_an_enrolled_person_is_refused_where_liveness_is_required(people_and_gate):
    _, gate = people_and_gate
    samples = FACES / "silent-face-samples"
    tess = PersonFactory(first_name="Tess")
    live = SimpleUploadedFile("t1.jpg", (samples / "image_T1.jpg").read_bytes())
    enrolment.face_photo_create(person=tess, image=live)
    AccessRuleFactory(person=tess, gate=gate)
    _, credential = paired(gate)
    spoof = (samples / "image_F2.jpg").read_bytes()  # Tess, re-captured from a screen

    decision = decision_for(credential, spoof)
    assert decision["state"] == "denied" and decision["reason"] == "spoof_suspected"
    event = AccessEvent.objects.get()
    assert event.person == tess and event.liveness < 0.5 and not hasattr(event, "door")

    gate.liveness_required = False  # the per-gate switch
    gate.save()
    assert decision_for(credential, spoof)["reason"] == "granted"


def test_the_rules_decide_after_recognition(people_and_gate):
    ada, gate = people_and_gate
    ada.is_active = False
    ada.save()
    _, credential = paired(gate)

    decision = decision_for(credential, camera_jpeg(UNIT / "img6.jpg"))
    assert decision["reason"] == "person_inactive" and decision["name"] == ""
    assert AccessEvent.objects.get().person == ada


class _DoorController(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers, body))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def door_controller(settings):
    import ipaddress

    settings.DOOR_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    _DoorController.received = []
    _DoorController.status = 200
    server = HTTPServer(("127.0.0.1", 0), _DoorController)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, _DoorController
    server.shutdown()


@pytest.mark.parametrize("controller_status", [200, 500])
def test_the_webhook_door_is_signed_and_fails_secure(
    people_and_gate, door_controller, controller_status
):
    ada, gate = people_and_gate
    server, handler = door_controller
    handler.status = controller_status
    gate.door_output = "webhook"
    gate.door_webhook_url = f"http://127.0.0.1:{server.server_port}/open"
    gate.door_webhook_secret = "s3cret"
    gate.save()
    _, credential = paired(gate)

    decision = decision_for(credential, camera_jpeg(UNIT / "img6.jpg"))
    event = AccessEvent.objects.get()
    (headers, body), *more = handler.received
    assert not more
    expected = hmac.new(
        b"s3cret", headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    assert json.loads(body)["event_id"] == event.pk and json.loads(body)["person_id"] == ada.pk
    assert decision["state"] == "granted"
    if controller_status == 200:
        assert decision["door"] == "opened" and event.door.opened
    else:
        assert decision["door"] == "failed" and not event.door.opened
        assert "500" in event.door.detail


def test_a_gate_that_keeps_snapshots_keeps_the_face_until_its_retention_ends(
    people_and_gate, client
):
    """GIVEN a gate with face snapshots on (7 days) WHEN Ada passes THEN her face, cropped and
    encrypted on disk, is kept with the event and bound to its hash; it is deleted after 7
    days, and at once if Ada is deleted."""
    import datetime as dt

    import cv2
    import numpy as np

    from recognition.access_log.snapshots import access_snapshots_prune
    from recognition.models import AccessSnapshot

    ada, gate = people_and_gate
    gate.snapshot_faces, gate.snapshot_retention_days = True, 7
    gate.save()
    _, credential = paired(gate)
    assert decision_for(credential, camera_jpeg(UNIT / "img6.jpg"))["state"] == "granted"

    event = AccessEvent.objects.get()
    snapshot = AccessSnapshot.objects.get(event=event)
    with open(snapshot.image.path, "rb") as raw:
        assert not raw.read().startswith(b"\xff\xd8")  # encrypted on disk
    with snapshot.image.open("rb") as handle:
        jpeg = handle.read()
    assert hashlib.sha256(jpeg).hexdigest() == event.snapshot_sha256
    face = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert face is not None and max(face.shape[:2]) <= 240  # the face, not the frame
    assert snapshot.person == ada and audit_chain_verify().ok

    from django.contrib.auth.models import Permission

    url = reverse("recognition:access-snapshot-image", args=[event.pk])
    # (This test commits, so the role groups of the migrations are not here: a permission is.)
    viewer, outsider = UserFactory(username="viewer"), UserFactory(username="outsider")
    viewer.user_permissions.add(Permission.objects.get(codename="view_accesssnapshot"))
    client.force_login(viewer)
    image = client.get(url)
    assert image.status_code == 200 and b"".join(image.streaming_content) == jpeg
    client.force_login(outsider)
    assert client.get(url).status_code == 403

    assert access_snapshots_prune(now=event.occurred_at + dt.timedelta(days=6)) == 0
    assert access_snapshots_prune(now=event.occurred_at + dt.timedelta(days=7)) == 1
    assert not AccessSnapshot.objects.exists() and audit_chain_verify().ok


def test_snapshots_go_with_the_person_and_are_off_by_default(people_and_gate):
    from recognition.models import AccessSnapshot

    ada, gate = people_and_gate
    _, credential = paired(gate)
    assert decision_for(credential, camera_jpeg(UNIT / "img6.jpg"))["state"] == "granted"
    assert not AccessSnapshot.objects.exists()  # off by default
    assert AccessEvent.objects.get().snapshot_sha256 == ""

    gate.snapshot_faces = True
    gate.save()
    _, credential = paired(gate)
    assert decision_for(credential, camera_jpeg(UNIT / "img6.jpg"))["state"] == "granted"
    path = AccessSnapshot.objects.get().image.path
    ada.delete()
    assert not AccessSnapshot.objects.exists()
    assert audit_chain_verify().ok
    import os

    assert not os.path.exists(path)


def test_a_passage_is_pushed_live_to_the_status_page(people_and_gate):
    from django.contrib.auth.models import Permission

    from recognition.status.consumer import StatusConsumer

    _, gate = people_and_gate
    _, credential = paired(gate)
    watcher = UserFactory(username="watcher")
    watcher.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_kiosk", "view_accessevent"])
    )

    async def scenario():
        status = WebsocketCommunicator(StatusConsumer.as_asgi(), "/ws/status/")
        status.scope["user"] = watcher
        assert (await status.connect())[0]
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        _, decision = await frames_until_decision(socket, camera_jpeg(UNIT / "img6.jpg"))
        updates = []
        while not any(u["kind"] == "event" for u in updates):
            updates.append(await status.receive_json_from(timeout=10))
        await socket.disconnect()
        await status.disconnect()
        return decision, updates

    decision, updates = run(scenario)
    event = next(u["event"] for u in updates if u["kind"] == "event")
    assert event["id"] == decision["event"] and event["gate"] == gate.pk
    assert event["person"] == "Ada Lovelace" and event["granted"] and event["reason"] == "granted"
    assert updates[0] == {**updates[0], "kind": "kiosk", "status": "online"}


def test_a_kiosk_deciding_too_many_passages_a_minute_is_told_to_wait(
    people_and_gate, settings, monkeypatch
):
    """GIVEN a kiosk allowed one passage a minute WHEN Ada is granted, leaves and steps up
    again within the minute THEN the second passage is not decided: the kiosk hears why, and
    nothing is recorded or opened."""
    settings.KIOSK_MAX_DECISIONS_PER_MINUTE = 1
    from django.core.cache import cache

    from recognition.kiosks import rate_limit

    cache.clear()
    monkeypatch.setattr(rate_limit, "wall_clock", lambda: 120.0)  # one minute throughout
    _, gate = people_and_gate
    clock = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(clock))
    _, credential = paired(gate)
    ada_frame = camera_jpeg(UNIT / "img6.jpg")

    async def scenario():
        socket, _ = await open_socket(credential)
        await socket.receive_json_from()
        _, first = await frames_until_decision(socket, ada_frame)
        await frames_without_decision(socket, EMPTY_SCENE, 1)
        clock.advance(0.4)  # she has left
        await frames_without_decision(socket, EMPTY_SCENE, 1)
        for _ in range(4):
            await socket.send_to(bytes_data=ada_frame)
        refused = await next_of(socket, "error")
        await socket.disconnect()
        return first, refused

    first, refused = run(scenario)
    assert first["state"] == "granted"
    assert refused["code"] == "too_many_passages" and "wait" in refused["message"]
    assert AccessEvent.objects.count() == 1 and DoorActuation.objects.count() == 1


# --- A head turn asked for, with the real engine: a photo held up does not turn ----------------

LFW = FACES / "lfw-dev"
BARROSO = "Jose_Manuel_Durao_Barroso"  # photos of him facing the camera and turned both ways


def barroso_frame(number: int):
    return camera_image(
        LFW / "probes" / "known" / BARROSO / f"{BARROSO}_{number:04}.jpg", fill=True
    )


@pytest.fixture
def turn_gate(settings, tmp_path, face_engine, eager_celery):
    """He is enrolled from his three gallery photos and allowed at a gate that asks for a head
    turn (the anti-spoofing model is left out: the turn is what is tested)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KIOSK_LEAVE_SECONDS = 0.3
    settings.KIOSK_RESUME_SECONDS = 0
    gate = GateFactory(name="Server room", liveness_required=False, liveness_turn=True)
    person = PersonFactory(first_name="José")
    for photo in sorted((LFW / "gallery" / BARROSO).glob("*.jpg")):
        image = SimpleUploadedFile(photo.name, photo.read_bytes(), content_type="image/jpeg")
        enrolment.face_photo_create(person=person, image=image)
    assert person.face_photos.filter(status="enrolled").count() == 3
    AccessRuleFactory(person=person, gate=gate)
    _, credential = paired(gate)
    return person, credential


async def reply_to(socket, frame: bytes) -> list[dict]:
    """Send one frame; the server's messages up to its frame answer and what follows it at
    once (a turn asked for, a decision)."""
    await socket.send_to(bytes_data=frame)
    messages = [await next_of(socket, "frame")]
    while not await socket.receive_nothing(timeout=0.3):
        messages.append(await socket.receive_json_from())
    return messages


def test_a_photo_held_up_and_tilted_every_way_is_denied_for_not_turning(turn_gate, monkeypatch):
    clock = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(clock))
    person, credential = turn_gate
    photo = barroso_frame(4)  # facing the camera

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        messages = []
        for _ in range(6):
            messages += await reply_to(socket, held_up(photo, yaw=0))
            if any(m["type"] == "turn" for m in messages):
                break
        for yaw, pitch in [(-40, 0), (-25, 20), (25, 0), (40, 20), (25, 20), (-40, 20)]:
            clock.advance(0.5)
            messages += await reply_to(socket, held_up(photo, yaw=yaw, pitch=pitch))
        clock.advance(6)  # the time to turn is over
        messages += await reply_to(socket, held_up(photo, yaw=0))
        await socket.disconnect()
        return messages

    messages = run(scenario)
    (asked,) = [m for m in messages if m["type"] == "turn"]
    assert asked["direction"] in {"left", "right"} and "turn your head" in asked["message"]
    (decision,) = [m for m in messages if m["type"] == "decision"]
    assert (decision["state"], decision["reason"]) == ("denied", "turn_not_seen")
    event = AccessEvent.objects.get()
    assert (event.person, event.granted, event.reason) == (person, False, "turn_not_seen")


def test_a_person_who_turns_as_asked_is_decided_by_the_rules(turn_gate, monkeypatch):
    monkeypatch.setattr(consumer.secrets, "choice", lambda options: TurnDirection.RIGHT)
    person, credential = turn_gate

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        messages = []
        for _ in range(6):
            messages += await reply_to(socket, camera_jpeg_of(barroso_frame(4)))
            if any(m["type"] == "turn" for m in messages):
                break
        for _ in range(3):  # his head turned to his right (photo 6)
            messages += await reply_to(socket, camera_jpeg_of(barroso_frame(6)))
            if any(m["type"] == "decision" for m in messages):
                break
        await socket.disconnect()
        return messages

    messages = run(scenario)
    assert [m["direction"] for m in messages if m["type"] == "turn"] == ["right"]
    (decision,) = [m for m in messages if m["type"] == "decision"]
    assert (decision["state"], decision["reason"]) == ("granted", "granted")
    assert AccessEvent.objects.get().person == person


def camera_jpeg_of(frame) -> bytes:
    return held_up(frame, yaw=0)  # straight on: the frame as the camera took it


# --- A PIN after the face, with the real engine ------------------------------------------------


def ask_for_pin(monkeypatch):
    """The consumer's clock, which the test moves on (past a PIN's wait)."""
    clock = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(clock))
    return clock


@pytest.fixture
def pin_gate(people_and_gate, monkeypatch):
    """Ada's gate asks for a PIN after the face: hers is 2468, her duress PIN 1357."""
    from people.pins import pin_set

    ada, gate = people_and_gate
    gate.verification = "face_and_pin"
    gate.save()
    pin_set(person=ada, pin="2468", duress_pin="1357")
    ask_for_pin(monkeypatch)
    _, credential = paired(gate)
    return ada, credential


async def until_asked_for_pin(socket, frame: bytes) -> list[dict]:
    messages: list[dict] = []
    for _ in range(6):
        messages += await reply_to(socket, frame)
        if any(m["type"] == "pin" for m in messages):
            return messages
    raise AssertionError(f"no PIN asked for: {messages}")


def test_face_then_pin_wrong_then_right_is_granted(pin_gate):
    _ada, credential = pin_gate
    ada_frame = camera_jpeg(UNIT / "img6.jpg")

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        asked = await until_asked_for_pin(socket, ada_frame)
        await socket.send_json_to({"type": "pin", "pin": "1111"})
        again = await next_of(socket, "pin")
        await socket.send_json_to({"type": "pin", "pin": "2468"})
        decision = await next_of(socket, "decision")
        await socket.disconnect()
        return asked, again, decision

    asked, again, decision = run(scenario)
    assert not [m for m in asked if m["type"] == "decision"]  # the face alone decides nothing
    assert "2 tries left" in again["message"]
    assert (decision["state"], decision["reason"]) == ("granted", "granted")


def test_the_duress_pin_opens_and_raises_a_silent_alarm(pin_gate, caplog):
    _ada, credential = pin_gate

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        await until_asked_for_pin(socket, camera_jpeg(UNIT / "img6.jpg"))
        await socket.send_json_to({"type": "pin", "pin": "1357"})
        decision = await next_of(socket, "decision")
        await socket.disconnect()
        return decision

    with caplog.at_level(logging.WARNING, logger="accessportal.security"):
        decision = run(scenario)
    assert (decision["state"], decision["reason"]) == ("granted", "granted")  # nothing shows
    (alarm,) = [r for r in caplog.records if r.name == "accessportal.security"]
    assert "duress_pin" in alarm.getMessage() and "Main entrance" in alarm.getMessage()
    assert AccessEvent.objects.get().granted


def test_three_wrong_pins_lock_it_and_deny(pin_gate):
    ada, credential = pin_gate

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        await until_asked_for_pin(socket, camera_jpeg(UNIT / "img6.jpg"))
        for guess in ("0000", "1111"):
            await socket.send_json_to({"type": "pin", "pin": guess})
            await next_of(socket, "pin")
        await socket.send_json_to({"type": "pin", "pin": "2222"})
        decision = await next_of(socket, "decision")
        await socket.disconnect()
        return decision

    decision = run(scenario)
    assert (decision["state"], decision["reason"]) == ("denied", "pin_locked")
    assert ada.pin.__class__.objects.get(person=ada).locked_until is not None


@pytest.fixture
def look_alikes(settings, tmp_path, face_engine, eager_celery):
    """The two different people of the shared photos whose faces are nearest (img33 and
    img35), enrolled as two people, both marked "always ask for their PIN", both allowed at a
    gate where the face alone suffices for everyone else."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KIOSK_LEAVE_SECONDS = 0.3
    settings.KIOSK_RESUME_SECONDS = 0
    gate = GateFactory(name="Lab", liveness_required=False)
    for name, photo in (("One", "img33.jpg"), ("Other", "img35.jpg")):
        person = PersonFactory(first_name=name, always_second_factor=True)
        image = SimpleUploadedFile(photo, (UNIT / photo).read_bytes(), content_type="image/jpeg")
        enrolment.face_photo_create(person=person, image=image)
        AccessRule.objects.create(name=name, person=person, gate=gate)
    return gate


@pytest.mark.parametrize("shown", ["img33.jpg", "img35.jpg"])
def test_look_alikes_marked_never_pass_on_their_face_alone(look_alikes, monkeypatch, shown):
    clock = ask_for_pin(monkeypatch)
    _, credential = paired(look_alikes)

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        frame = camera_jpeg(UNIT / shown)
        messages = await until_asked_for_pin(socket, frame)
        clock.advance(settings_pin_seconds() + 1)  # nobody types a PIN
        messages += await reply_to(socket, frame)
        await socket.disconnect()
        return messages

    messages = run(scenario)
    (decision,) = [m for m in messages if m["type"] == "decision"]
    assert (decision["state"], decision["reason"]) == ("denied", "pin_not_entered")
    assert not AccessEvent.objects.filter(granted=True).exists()


def settings_pin_seconds() -> float:
    from django.conf import settings

    return settings.KIOSK_PIN_SECONDS
