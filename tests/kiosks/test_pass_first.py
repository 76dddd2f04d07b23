"""A gate that asks for a pass or number first, then checks the face against that person's
alone (1:1): over the kiosk socket, with the real engine on real photos."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gates.models import AccessRule
from people.passes import pass_code, pass_reissue
from recognition.faces import enrolment
from recognition.kiosks.consumer import KioskConsumer
from recognition.models import AccessEvent
from tests.camera import camera_jpeg, pass_shown
from tests.conftest import UNIT
from tests.factories import GateFactory, PersonFactory
from tests.kiosks.test_kiosk_socket import (
    EMPTY_SCENE,
    SteppedClock,
    next_of,
    open_socket,
    paired,
    people_and_gate,  # noqa: F401 (a fixture)
    reply_to,
    run,
)

pytestmark = pytest.mark.django_db(transaction=True)

ADA_FACE = UNIT / "img6.jpg"  # not one of her enrolled photos


@pytest.fixture
def clock(monkeypatch):
    stepped = SteppedClock()
    monkeypatch.setattr(KioskConsumer, "clock", staticmethod(stepped))
    return stepped


@pytest.fixture
def pass_gate(people_and_gate, clock):  # noqa: F811
    """Ada (badge 1001) at a gate that asks for a pass or number first."""
    ada, gate = people_and_gate
    gate.verification = "claim_then_face"
    gate.save()
    ada.badge_number = "1001"
    ada.save()
    _, credential = paired(gate)
    return ada, credential


async def until_said(socket, frame: bytes, kind: str, *, limit=6) -> list[dict]:
    """Send ``frame`` until the server says ``kind`` (a camera keeps sending frames)."""
    messages: list[dict] = []
    for _ in range(limit):
        messages += await reply_to(socket, frame)
        if any(m["type"] == kind for m in messages):
            return messages
    raise AssertionError(f"no {kind}: {messages}")


async def until_decided(socket, frame: bytes) -> list[dict]:
    return await until_said(socket, frame, "decision")


def decisions(messages: list[dict]) -> list[tuple[str, str]]:
    return [(m["state"], m["reason"]) for m in messages if m["type"] == "decision"]


def test_a_face_alone_decides_nothing_and_the_pass_then_the_face_is_granted_once(
    pass_gate, settings
):
    ada, credential = pass_gate
    code = pass_code(ada)
    # A pass is read again once out of view this long (this test's frames come 0.3 s apart).
    settings.KIOSK_LEAVE_SECONDS = 3

    async def scenario():
        socket, _ = await open_socket(credential)
        hello = await next_of(socket, "hello")
        face_alone = []
        for _ in range(4):
            face_alone += await reply_to(socket, camera_jpeg(ADA_FACE))
        shown = await until_said(socket, pass_shown(code, ADA_FACE), "claimed")
        decided = await until_decided(socket, camera_jpeg(ADA_FACE))
        # She stays, pass still in hand: neither is read or decided again.
        staying = []
        for _ in range(4):
            staying += await reply_to(socket, pass_shown(code, ADA_FACE))
        await socket.disconnect()
        return hello, face_alone, shown, decided, staying

    hello, face_alone, shown, decided, staying = run(scenario)
    assert hello["claim"] is True
    assert not decisions(face_alone) and {m["state"] for m in face_alone} == {"idle"}
    (claimed,) = [m for m in shown if m["type"] == "claimed"]
    assert claimed["message"] == "Please look at the camera." and "name" not in claimed
    assert decisions(decided) == [("granted", "granted")]
    assert not [m for m in staying if m["type"] in ("claimed", "decision")]
    event = AccessEvent.objects.get()
    assert (event.person, event.granted, event.frames >= 2) == (ada, True, True)


def test_a_void_pass_names_nobody_and_is_recorded(pass_gate):
    ada, credential = pass_gate
    old = pass_code(ada)
    pass_reissue(ada)  # her pass was lost: a new one was issued

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        messages = await until_said(socket, pass_shown(old, ADA_FACE), "decision")
        await socket.disconnect()
        return messages

    assert decisions(run(scenario)) == [("denied", "claim_unknown")]
    event = AccessEvent.objects.get()
    assert (event.person, event.reason, event.frames, event.model_name) == (
        None,
        "claim_unknown",
        0,
        "",
    )


@pytest.mark.parametrize("typed", ["1001", "no-such-number"])
def test_a_number_typed_with_no_face_following_is_denied_when_its_time_is_over(
    pass_gate, clock, settings, typed
):
    ada, credential = pass_gate

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        await socket.send_json_to({"type": "claim", "credential": typed})
        first = await socket.receive_json_from(timeout=20)
        if first["type"] == "decision":
            await socket.disconnect()
            return first, None
        assert await socket.receive_nothing(timeout=0.3)
        waiting = await reply_to(socket, EMPTY_SCENE)
        clock.advance(settings.KIOSK_CLAIM_SECONDS + 0.1)
        late = await reply_to(socket, EMPTY_SCENE)
        await socket.disconnect()
        return first, (waiting, late)

    first, rest = run(scenario)
    event = AccessEvent.objects.get()
    if typed == "1001":
        assert first["type"] == "claimed" and first["seconds"] == settings.KIOSK_CLAIM_SECONDS
        waiting, late = rest
        assert not decisions(waiting) and waiting[0]["state"] == "detecting"
        assert decisions(late) == [("denied", "face_not_seen")]
        assert (event.person, event.reason) == (ada, "face_not_seen")  # whose number it was
    else:
        assert (first["state"], first["reason"]) == ("denied", "claim_unknown")
        assert (event.person, event.reason) == (None, "claim_unknown")


@pytest.fixture
def look_alikes_at_a_pass_gate(settings, tmp_path, face_engine, eager_celery, clock):
    """The two different people of the shared photos whose faces are nearest (img33 and
    img35), enrolled as two people with badges 33 and 35, not marked for a PIN, both allowed
    at a gate that asks for a pass first."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KIOSK_LEAVE_SECONDS = 0.3
    settings.KIOSK_RESUME_SECONDS = 0
    gate = GateFactory(name="Lab", liveness_required=False, verification="claim_then_face")
    people = {}
    for badge, photo in (("33", "img33.jpg"), ("35", "img35.jpg")):
        person = PersonFactory(first_name=f"Badge {badge}", badge_number=badge)
        image = SimpleUploadedFile(photo, (UNIT / photo).read_bytes(), content_type="image/jpeg")
        enrolment.face_photo_create(person=person, image=image)
        AccessRule.objects.create(name=badge, person=person, gate=gate)
        people[badge] = person
    _, credential = paired(gate)
    return people, credential


@pytest.mark.parametrize(
    ("badge", "face", "expected"),
    [
        ("33", "img33.jpg", ("granted", "granted")),
        ("33", "img35.jpg", ("denied", "face_mismatch")),  # the look-alike with 33's badge
        ("35", "img33.jpg", ("denied", "face_mismatch")),
        ("35", "img35.jpg", ("granted", "granted")),
    ],
)
def test_a_look_alike_cannot_pass_with_the_others_badge(
    look_alikes_at_a_pass_gate, badge, face, expected
):
    people, credential = look_alikes_at_a_pass_gate

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        await socket.send_json_to({"type": "claim", "credential": badge})
        await next_of(socket, "claimed")
        messages = await until_decided(socket, camera_jpeg(UNIT / face))
        await socket.disconnect()
        return messages

    assert decisions(run(scenario)) == [expected]
    event = AccessEvent.objects.get()
    assert event.person == people[badge]  # the auditor sees whose badge was used
    assert event.distance is not None


@pytest.mark.parametrize("gate_asks_for_a_pass", [True, False])
def test_a_number_is_refused_where_the_gate_does_not_ask_for_one_and_checked_where_it_does(
    people_and_gate,  # noqa: F811
    gate_asks_for_a_pass,
):
    _ada, gate = people_and_gate
    if gate_asks_for_a_pass:
        gate.verification = "claim_then_face"
        gate.save()
    _, credential = paired(gate)

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        answers = []
        for bad in ({"type": "claim"}, {"type": "claim", "credential": 1001}):
            await socket.send_json_to(bad)
            answers.append(await socket.receive_json_from(timeout=20))
        await socket.send_json_to({"type": "claim", "credential": "x" * 300})
        answers.append(await socket.receive_json_from(timeout=20))
        await socket.disconnect()
        return answers

    answers = run(scenario)
    assert [a["type"] for a in answers] == ["error"] * 3
    assert all(a["code"] == "bad_message" for a in answers)
    assert not AccessEvent.objects.exists()
