"""A kiosk's credential is bound to the device that paired: a copied cookie opens nothing.

GIVEN a tablet paired with its device key (made in its browser, never leaving it)
WHEN anyone connects with its cookie
THEN only a connection that signs the server's fresh challenge with that key is given the
gate; any other is refused (4412), logged, and the kiosk flagged on the status page, while
the real tablet keeps deciding.
"""

import asyncio
import base64
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.kiosks import consumer, pairing
from recognition.kiosks.device_keys import (
    DeviceKeyError,
    challenge_new,
    device_key_parse,
    proof_valid,
)
from recognition.models import Kiosk
from tests.factories import GateFactory
from tests.kiosk_device import DeviceKey
from tests.kiosks.test_kiosk_socket import (
    DEVICES,
    EMPTY_SCENE,
    closed_with,
    next_of,
    open_socket,
    paired,
    run,
)
from tests.status.test_status import status_socket, watcher

# --- The proof itself ---------------------------------------------------------------------


def test_a_signature_proves_its_own_key_and_challenge_only():
    device, other = DeviceKey(), DeviceKey()
    challenge = challenge_new()
    signature = device.sign(challenge)
    assert proof_valid(device_key=device.public, challenge=challenge, signature=signature)
    assert not proof_valid(device_key=other.public, challenge=challenge, signature=signature)
    assert not proof_valid(device_key=device.public, challenge=challenge_new(), signature=signature)
    assert not proof_valid(device_key="", challenge=challenge, signature=signature)


@given(st.one_of(st.none(), st.integers(), st.text(max_size=200), st.binary(max_size=100)))
def test_anything_malformed_is_simply_not_a_proof(signature):
    device = DeviceKey.shared()
    if isinstance(signature, bytes):
        signature = base64.b64encode(signature).decode()
    assert not proof_valid(device_key=device.public, challenge="c", signature=signature)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "not base64!",
        base64.b64encode(b"\x30\x03\x02\x01\x01").decode(),  # DER, but not a key
        "A" * 300,
    ],
)
def test_what_is_not_a_p256_public_key_is_refused_at_pairing(key):
    with pytest.raises(DeviceKeyError):
        device_key_parse(key)


def test_other_curves_are_refused_at_pairing():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    der = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(DeviceKeyError, match="P-256"):
        device_key_parse(base64.b64encode(der).decode())


# --- Pairing ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [{}, {"device_key": "garbage"}])
def test_a_browser_that_sends_no_key_is_told_so_and_the_link_stays_open(client, sent):
    kiosk, token = pairing.kiosk_create(gate=GateFactory())
    answer = client.post("/kiosk/pair/", {"token": token, **sent})
    assert answer.status_code == 400
    assert b"cannot keep a device key" in answer.content
    assert b'data-reason="pairing_no_device_key"' in answer.content
    kiosk.refresh_from_db()
    assert not kiosk.credential_hash and kiosk.pairing_token_hash  # nothing used up
    again = client.post("/kiosk/pair/", {"token": token, "device_key": DeviceKey().public})
    assert again.status_code == 302


# --- The socket ------------------------------------------------------------------------------

socket_test = pytest.mark.django_db(transaction=True)


@socket_test
@pytest.mark.parametrize(
    "first_message",
    [
        "a frame instead of the proof",
        "a heartbeat instead of the proof",
        "another device's signature",
        "the right key over another challenge",
        "a malformed proof",
    ],
)
def test_a_copied_credential_is_refused_flagged_and_the_tablet_keeps_its_place(
    first_message, caplog
):
    kiosk, credential = paired(GateFactory(name="Lobby"))
    device = DEVICES[credential]
    desk = watcher()

    async def scenario():
        status = await status_socket(desk)
        tablet, _ = await open_socket(credential)
        assert (await tablet.receive_json_from(timeout=5))["type"] == "hello"
        assert (await status.receive_json_from(timeout=5))["status"] == "online"

        copy, connected = await open_socket(credential, prove=False)
        assert connected
        challenge = await copy.receive_json_from(timeout=5)
        assert challenge["type"] == "challenge"
        if first_message == "a frame instead of the proof":
            await copy.send_to(bytes_data=EMPTY_SCENE)
        elif first_message == "a heartbeat instead of the proof":
            await copy.send_json_to({"type": "heartbeat"})
        elif first_message == "another device's signature":
            await copy.send_json_to(DeviceKey().proof(challenge))
        elif first_message == "the right key over another challenge":
            await copy.send_json_to({"type": "proof", "signature": device.sign(challenge_new())})
        else:
            await copy.send_to(text_data='{"type": "proof", "signature": [[[[')
        refused = await next_of(copy, "refused")
        code, _ = await closed_with(copy)
        flagged = await status.receive_json_from(timeout=5)
        await status.disconnect()

        # The real tablet was never replaced: it still decides.
        await tablet.send_to(bytes_data=EMPTY_SCENE)
        answer = await next_of(tablet, "frame")
        await tablet.disconnect()
        return refused, code, flagged, answer

    with caplog.at_level(logging.WARNING):
        refused, code, flagged, answer = run(scenario)
    assert code == 4412 and refused["code"] == "device_unverified"
    assert "pair it again" in refused["message"]
    assert flagged["kind"] == "kiosk" and flagged["kiosk"] == kiosk.pk and flagged["misused_at"]
    assert "status" not in flagged  # the tablet is still online: only the flag is news
    assert answer["frame"] == 1
    kiosk.refresh_from_db()
    assert kiosk.credential_misused_at is not None
    assert any("without the device key" in r.getMessage() for r in caplog.records)
    (alert,) = [r for r in caplog.records if r.name == "accessportal.security"]
    assert "kiosk_credential_copied" in alert.getMessage() and "(Lobby)" in alert.getMessage()


@socket_test
def test_pairing_again_binds_the_new_device_and_clears_the_flag():
    kiosk, old_credential = paired()
    pairing.kiosk_credential_misused(kiosk_id=kiosk.pk)
    token = pairing.kiosk_pairing_link_new(kiosk=kiosk)
    new_device = DeviceKey()
    _, new_credential = pairing.kiosk_pair(token=token, device_key=new_device.public)
    kiosk.refresh_from_db()
    assert kiosk.credential_misused_at is None and kiosk.device_key == new_device.public
    DEVICES[new_credential] = new_device

    async def scenario():
        socket, _ = await open_socket(new_credential)
        hello = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        old, _ = await open_socket(old_credential, prove=False)
        return hello, await closed_with(old)

    hello, (old_code, _) = run(scenario)
    assert hello["type"] == "hello" and old_code == 4401


@socket_test
def test_a_device_that_never_answers_the_challenge_is_closed_without_a_flag(monkeypatch):
    monkeypatch.setattr(consumer, "PROOF_SECONDS", 0.2)
    kiosk, credential = paired()

    async def scenario():
        socket, _ = await open_socket(credential, prove=False)
        assert (await socket.receive_json_from(timeout=5))["type"] == "challenge"
        await asyncio.sleep(0.3)
        return await closed_with(socket)

    code, reason = run(scenario)
    assert code == 4408 and "not proven" in reason
    kiosk.refresh_from_db()
    assert kiosk.credential_misused_at is None  # slow or gone, not proven to be a copy


@socket_test
def test_a_kiosk_paired_before_device_keys_is_asked_to_pair_again():
    kiosk, credential = paired()
    Kiosk.objects.filter(pk=kiosk.pk).update(device_key="")

    async def scenario():
        socket, _ = await open_socket(credential, prove=False)
        refused = await socket.receive_json_from(timeout=5)
        return refused, await closed_with(socket)

    refused, (code, _) = run(scenario)
    assert code == 4412 and refused["type"] == "refused"
    kiosk.refresh_from_db()
    assert kiosk.credential_misused_at is None
