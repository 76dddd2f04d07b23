"""Door states: the signed sensor webhook in, the forced-open and held-open alarms, remote
unlock, lock and lockdown from the status page; each in the access log's chain."""

import datetime as dt
import json
import logging
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from gates.doors import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature
from gates.models import DoorState
from recognition.access_log.chain import audit_chain_verify
from recognition.doors.states import (
    door_lockdown,
    door_released,
    door_sensor_report,
    door_unlock,
    doors_held_open_check,
)
from recognition.kiosks import pairing
from recognition.kiosks.passages import Agreement, Seen
from recognition.kiosks.recording import passage_record
from recognition.models import AccessEvent, DoorEvent
from tests.factories import AccessRuleFactory, GateFactory, PersonFactory, access_event

pytestmark = pytest.mark.django_db

SECRET = "sensor-secret-for-tests"


@pytest.fixture
def gate():
    return GateFactory(name="Loading bay", slug="loading-bay", door_sensor_secret=SECRET)


def sensor_post(client, gate, state, *, secret=SECRET, age=0, body=None):
    body = body if body is not None else json.dumps({"state": state}).encode()
    timestamp = str(int(time.time()) - age)
    return client.post(
        f"/recognition/doors/{gate.slug}/sensor",
        data=body,
        content_type="application/json",
        headers={
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: webhook_signature(secret, timestamp, body),
        },
    )


def kinds(gate) -> list[str]:
    return list(
        DoorEvent.objects.filter(gate=gate).order_by("sequence").values_list("kind", flat=True)
    )


def test_an_opening_after_a_grant_is_recorded_and_one_nothing_allowed_is_forced(
    client, gate, caplog
):
    door_released(gate=gate, at=timezone.now())  # a granted passage fired the door
    assert sensor_post(client, gate, "open").json() == {
        "gate": "loading-bay",
        "state": "open",
        "alarm": None,
    }
    assert sensor_post(client, gate, "open").json()["alarm"] is None  # a repeat changes nothing
    sensor_post(client, gate, "closed")
    DoorState.objects.filter(gate=gate).update(released_until=None)
    with caplog.at_level(logging.WARNING, logger="accessportal.security"):
        answer = sensor_post(client, gate, "open").json()
    assert answer["alarm"] == "forced_open"
    assert kinds(gate) == ["opened", "closed", "opened", "forced_open"]
    assert any("door_forced_open" in r.getMessage() for r in caplog.records)
    report = audit_chain_verify()
    assert report.ok and report.head_sequence == 4, report


@pytest.mark.parametrize(
    ("case", "status"),
    [("wrong secret", 403), ("two minutes old", 403), ("not JSON", 400), ("no such gate", 404)],
)
def test_a_sensor_report_that_is_not_genuine_or_not_understood_is_refused(
    client, gate, case, status
):
    if case == "wrong secret":
        answer = sensor_post(client, gate, "open", secret="guessed")
    elif case == "two minutes old":  # a recorded report played again
        answer = sensor_post(client, gate, "open", age=120)
    elif case == "not JSON":
        answer = sensor_post(client, gate, "open", body=b"open!")
    else:
        gate.slug = "elsewhere"
        answer = sensor_post(client, gate, "open")
    assert answer.status_code == status and answer.json()["error"]
    assert not DoorEvent.objects.exists()


def test_a_gate_without_a_sensor_secret_takes_no_reports(client):
    gate = GateFactory(slug="front", door_sensor_secret="")
    assert sensor_post(client, gate, "open", secret="").status_code == 404


def test_a_door_left_open_raises_the_held_open_alarm_once(gate, caplog):
    # Let open by a grant, and open since longer than the release and the hold together.
    opened = timezone.now() - dt.timedelta(
        seconds=gate.door_release_seconds + gate.door_held_open_seconds + 5
    )
    door_released(gate=gate, at=opened)
    door_sensor_report(gate=gate, opened=True, at=opened)
    not_yet = opened + dt.timedelta(seconds=gate.door_release_seconds + 5)
    assert doors_held_open_check(now=not_yet) == 0
    with caplog.at_level(logging.WARNING, logger="accessportal.security"):
        assert doors_held_open_check() == 1
        assert doors_held_open_check() == 0  # once per opening
    assert kinds(gate) == ["opened", "held_open"]
    assert any("door_held_open" in r.getMessage() for r in caplog.records)


def test_an_unlocked_door_may_open_and_stay_open(gate, manager):
    event = door_unlock(gate=gate, minutes=15, by=manager)
    assert event.operator_name == "manager" and event.until > timezone.now()
    assert door_sensor_report(gate=gate, opened=True) == ""
    assert doors_held_open_check(now=timezone.now() + dt.timedelta(minutes=10)) == 0
    assert doors_held_open_check(now=timezone.now() + dt.timedelta(minutes=16)) == 1


def test_a_locked_down_gate_denies_everyone_and_takes_no_unlock(gate, desk):
    ada = PersonFactory(first_name="Ada")
    AccessRuleFactory(person=ada, gate=gate)
    kiosk, _ = pairing.kiosk_create(gate=gate)
    # The recognition is taken as done: this is about the gate's state, not the face.
    agreement = Agreement(Seen.PERSON, ada.pk, 2, 0.2, 0.1, None)
    assert passage_record(kiosk_id=kiosk.pk, agreement=agreement).decision.granted
    door_lockdown(gate=gate, by=desk, on=True)
    record = passage_record(kiosk_id=kiosk.pk, agreement=agreement)
    assert (record.decision.granted, record.decision.reason) == (False, "lockdown")
    with pytest.raises(Exception, match="locked down"):
        door_unlock(gate=gate, minutes=5, by=desk)
    assert door_sensor_report(gate=gate, opened=True) == "forced_open"
    door_lockdown(gate=gate, by=desk, on=False)
    assert passage_record(kiosk_id=kiosk.pk, agreement=agreement).decision.granted
    chain = sorted(
        [
            *AccessEvent.objects.values_list("sequence", "reason"),
            *DoorEvent.objects.values_list("sequence", "kind"),
        ]
    )
    assert [what for _, what in chain] == [
        "granted",
        "lockdown",
        "lockdown",
        "opened",
        "forced_open",
        "lockdown_lifted",
        "granted",
    ]
    assert audit_chain_verify().ok


def test_the_desk_operates_doors_from_the_status_page_and_auditors_only_see_them(
    client, gate, desk, auditor, caplog
):
    status = reverse("recognition:status")
    client.force_login(auditor)
    page = client.get(status).content.decode()
    assert "Door:" in page and "Unlock" not in page
    assert (
        client.post(
            reverse("recognition:door-action", args=[gate.pk, "unlock"]), {"minutes": 5}
        ).status_code
        == 403
    )
    client.force_login(desk)
    with caplog.at_level(logging.INFO, logger="gates.doors"):
        answer = client.post(
            reverse("recognition:door-action", args=[gate.pk, "unlock"]),
            {"minutes": 5},
            follow=True,
        )
    page = answer.content.decode()
    assert "is unlocked until" in page and "Unlocked until" in page
    assert any("Door unlock (log only)" in r.getMessage() for r in caplog.records)
    answer = client.post(
        reverse("recognition:door-action", args=[gate.pk, "unlock"]), {"minutes": 7}, follow=True
    )
    assert "Unlock for one of" in answer.content.decode()  # only the offered durations
    client.post(reverse("recognition:door-action", args=[gate.pk, "lockdown"]))
    page = client.get(status).content.decode()
    assert "Locked down since" in page and "Lift the lockdown" in page
    assert kinds(gate) == ["unlocked", "lockdown"]
    (unlocked,) = DoorEvent.objects.filter(kind="unlocked")
    assert unlocked.operator_name == "desk"


def test_a_changed_door_event_breaks_the_chain(gate):
    access_event(gate=gate)
    door_sensor_report(gate=gate, opened=True)
    access_event(gate=gate)
    assert audit_chain_verify().ok
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE recognition_doorevent SET kind = 'closed'")
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_sequence == 2, report


def test_a_door_change_reaches_the_status_pages_once_committed(
    gate, monkeypatch, django_capture_on_commit_callbacks
):
    from recognition.doors import states

    sent = []
    monkeypatch.setattr(states, "activity_publish_now", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        door_sensor_report(gate=gate, opened=True)
        assert not sent  # nothing is said before it is committed
    (update,) = sent
    assert {k: update[k] for k in ("kind", "gate", "door", "locked_down")} == {
        "kind": "door",
        "gate": gate.pk,
        "door": "forced_open",
        "locked_down": False,
    }
    assert update["text"].startswith("Forced open at")
