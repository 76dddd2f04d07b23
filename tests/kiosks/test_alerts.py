"""The doors' and kiosks' alerts: a door that did not open, someone denied again and again,
a kiosk gone offline; each raised once, logged and sent by mail (and webhook) like every
security alert."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from gates.decisions import Decision, Reason
from gates.doors import DoorResult
from recognition.kiosks import pairing
from recognition.kiosks.alerts import kiosks_offline_alert, passage_alerts
from recognition.kiosks.recording import PassageRecord
from recognition.models import Kiosk
from tests.factories import GateFactory, PersonFactory, access_event
from tests.kiosk_device import DeviceKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _alerts_by_mail(settings, eager_celery):
    settings.SECURITY_ALERT_EMAILS = ["security@example.com"]


def record_of(event, reason: Reason) -> PassageRecord:
    granted = reason is Reason.GRANTED
    return PassageRecord(
        event=event,
        decision=Decision(granted, reason),
        gate=event.gate,
        person_id=event.person_id,
        first_name="",
    )


def test_a_door_that_did_not_open_raises_an_alert():
    event = access_event(gate=GateFactory(name="Loading dock"), person=PersonFactory())
    passage_alerts(record_of(event, Reason.GRANTED), DoorResult(False, "timed out after 2 s"))
    (sent,) = mail.outbox
    assert "Loading dock" in sent.subject and "timed out" in sent.subject
    passage_alerts(record_of(event, Reason.GRANTED), DoorResult(True, "ok"))
    assert len(mail.outbox) == 1  # an opened door says nothing


def test_someone_denied_again_and_again_raises_one_alert(settings):
    settings.ALERT_DENIALS_COUNT, settings.ALERT_DENIALS_MINUTES = 5, 5
    gate, mallory = GateFactory(name="Server room"), PersonFactory(first_name="Mallory")
    now = timezone.now()
    access_event(
        gate=gate, person=mallory, granted=False, reason="no_rule", at=now - dt.timedelta(minutes=9)
    )
    for minutes in (4, 3, 2, 1):
        event = access_event(
            gate=gate,
            person=mallory,
            granted=False,
            reason="no_rule",
            at=now - dt.timedelta(minutes=minutes),
        )
        passage_alerts(record_of(event, Reason.NO_RULE), None)
    assert mail.outbox == []  # four within five minutes (the fifth was earlier)
    for _ in range(2):
        event = access_event(gate=gate, person=mallory, granted=False, reason="no_rule", at=now)
        passage_alerts(record_of(event, Reason.NO_RULE), None)
    (sent,) = mail.outbox  # the fifth raised it; the sixth is the same alert
    assert "Mallory" in sent.subject and "5 times" in sent.subject and "Server room" in sent.subject


def test_a_kiosk_gone_offline_raises_an_alert_once_per_time_it_went(settings):
    settings.KIOSK_OFFLINE_AFTER_SECONDS = 30
    _, token = pairing.kiosk_create(gate=GateFactory(name="Lobby"), name="Tablet 1")
    kiosk, _ = pairing.kiosk_pair(token=token, device_key=DeviceKey().public)
    now = timezone.now()
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now - dt.timedelta(seconds=10))
    assert kiosks_offline_alert(now=now) == 0  # seen lately
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now - dt.timedelta(minutes=2))
    assert kiosks_offline_alert(now=now) == 1
    assert kiosks_offline_alert(now=now + dt.timedelta(minutes=1)) == 0  # the same absence
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now + dt.timedelta(minutes=5))
    assert kiosks_offline_alert(now=now + dt.timedelta(minutes=10)) == 1  # away again
    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject.startswith("[AccessPortal] Kiosk 'Tablet 1'")
    Kiosk.objects.filter(pk=kiosk.pk).update(revoked_at=now)
    assert kiosks_offline_alert(now=now + dt.timedelta(days=30)) == 0  # revoked: not missed
