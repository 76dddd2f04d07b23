"""The offline allow-list a kiosk gets, signed, and the events it decided offline, recorded
once it is back: the server's half (the page's half: tests/kiosks/test_kiosk_browser.py)."""

import base64
import datetime as dt
import json
import logging
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils import timezone

from people.pins import pin_set
from recognition.access_log.chain import audit_chain_verify
from recognition.kiosks.offline import (
    LIST_CONTEXT,
    list_public_key,
    offline_events_record,
    offline_list,
)
from recognition.models import AccessEvent, DoorActuation
from tests.factories import AccessRuleFactory, GateFactory, PersonFactory
from tests.kiosks.test_kiosk_socket import next_of, open_socket, paired, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def offline_gate(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher"]
    gate = GateFactory(
        name="Side door", offline_allow_list=True, offline_door_url="http://10.0.0.9/open"
    )
    ada = PersonFactory(first_name="Ada", badge_number="1001")
    pin_set(person=ada, pin="2468", duress_pin="1357")
    AccessRuleFactory(person=ada, gate=gate)
    kiosk, _ = paired(gate)
    return gate, ada, kiosk


def verified(signed: dict) -> dict:
    """The list, once its signature checked out with the page's public key."""
    key = serialization.load_der_public_key(base64.b64decode(list_public_key()))
    raw = base64.b64decode(signed["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, LIST_CONTEXT + signed["list"].encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(signed["list"])


def test_the_list_names_who_may_pass_with_a_number_and_pin_and_is_signed(offline_gate):
    gate, ada, kiosk = offline_gate
    no_pin = PersonFactory(badge_number="1002")
    no_number = PersonFactory(employee_number="")
    pin_set(person=no_number, pin="1111")
    for person in (no_pin, no_number):
        AccessRuleFactory(person=person, gate=gate)
    elsewhere = PersonFactory(badge_number="1003")
    pin_set(person=elsewhere, pin="2222")
    AccessRuleFactory(person=elsewhere, gate=GateFactory())
    now = timezone.now()
    listed = verified(offline_list(kiosk=kiosk, now=now))
    (entry,) = listed["people"]
    assert (entry["person"], entry["number"], entry["name"]) == (ada.pk, "1001", "Ada")
    assert entry["pin"].startswith("pbkdf2_sha256$1000$") and "2468" not in entry["pin"]
    assert entry["duress"].startswith("pbkdf2_sha256$")
    (span,) = entry["spans"]  # a rule at any time: one span over the whole list
    assert dt.datetime.fromisoformat(span[0]) <= now < dt.datetime.fromisoformat(span[1])
    assert listed["kiosk"] == kiosk.pk and listed["door_url"] == "http://10.0.0.9/open"
    assert dt.datetime.fromisoformat(listed["expires_at"]) == now + dt.timedelta(hours=24)
    assert listed["device_key"] == kiosk.device_key


def test_an_altered_list_does_not_verify(offline_gate):
    _, _, kiosk = offline_gate
    signed = offline_list(kiosk=kiosk)
    signed["list"] = signed["list"].replace('"1001"', '"9999"')
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidSignature)
        verified(signed)


def test_a_gate_without_the_option_sends_no_list():
    kiosk, _ = paired(GateFactory())
    assert offline_list(kiosk=kiosk) is None


def event(outcome: str, person=None, **extra) -> dict:
    at = timezone.now() - dt.timedelta(minutes=5)
    return {
        "id": str(uuid.uuid4()),
        "at": at.isoformat(),
        "outcome": outcome,
        "person": person,
        **extra,
    }


def test_offline_events_are_chained_once_in_order_with_the_door_and_the_duress_alarm(
    offline_gate, caplog
):
    _, ada, kiosk = offline_gate
    granted = event("granted", ada.pk, door="opened")
    duress = event("granted", ada.pk, door="opened", duress=True)
    wrong = event("pin_wrong", ada.pk)
    unknown = event("unknown_number")
    junk = [{"id": "x"}, "not an event", event("granted_by_magic")]
    with caplog.at_level(logging.WARNING, logger="accessportal.security"):
        recorded = offline_events_record(
            kiosk_id=kiosk.pk, events=[granted, duress, *junk, wrong, unknown]
        )
    assert recorded == [granted["id"], duress["id"], wrong["id"], unknown["id"]]
    assert offline_events_record(kiosk_id=kiosk.pk, events=[granted]) == [granted["id"]]
    rows = list(AccessEvent.objects.order_by("sequence").values_list("reason", "granted", "frames"))
    assert rows == [
        ("granted_offline", True, 0),
        ("granted_offline", True, 0),
        ("pin_wrong", False, 0),
        ("offline_unknown_number", False, 0),
    ]  # each once, in the kiosk's order
    assert DoorActuation.objects.filter(opened=True).count() == 2
    assert [r for r in caplog.records if "duress_pin" in r.getMessage()]
    assert AccessEvent.objects.first().occurred_at < timezone.now() - dt.timedelta(minutes=4)
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_socket_sends_the_list_and_takes_the_events(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher"]
    gate = GateFactory(offline_allow_list=True, offline_door_url="http://10.0.0.9/open")
    ada = PersonFactory(badge_number="1001")
    pin_set(person=ada, pin="2468")
    AccessRuleFactory(person=ada, gate=gate)
    _, credential = paired(gate)
    sent = event("granted", ada.pk, door="opened")

    async def scenario():
        socket, _ = await open_socket(credential)
        hello = await next_of(socket, "hello")
        signed = await next_of(socket, "offline_list")
        await socket.send_json_to({"type": "offline_events", "events": [sent]})
        receipt = await next_of(socket, "offline_events")
        await socket.send_json_to({"type": "offline_events", "events": [sent] * 11})
        refused = await next_of(socket, "error")
        await socket.disconnect()
        return hello, signed, receipt, refused

    hello, signed, receipt, refused = run(scenario)
    assert hello["type"] == "hello"
    assert verified(signed)["people"][0]["number"] == "1001"
    assert receipt["recorded"] == [sent["id"]]
    assert "1 to 10" in refused["message"]
    assert AccessEvent.objects.get().reason == "granted_offline"
