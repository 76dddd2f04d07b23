"""The home page is a dashboard for every role: today's counts, what needs attention (door
alarms, lockdowns, kiosks offline or with a copied credential), the gates live, and the
admin's lists one click away."""

import datetime as dt

import pytest
from django.utils import timezone

from recognition.doors.states import door_lockdown, door_sensor_report
from tests.factories import GateFactory, access_event
from tests.kiosks.test_kiosk_socket import paired

pytestmark = pytest.mark.django_db


def test_the_desk_sees_what_needs_attention_and_todays_counts(client, desk, manager):
    main = GateFactory(name="Main", door_sensor_secret="s")
    bay = GateFactory(name="Bay")
    access_event(gate=main)
    access_event(gate=main, granted=False, reason="unknown_face")
    door_sensor_report(gate=main, opened=True)  # nothing let it open
    door_lockdown(gate=bay, by=manager, on=True)
    kiosk, _ = paired(bay)
    kiosk.name = "Bay tablet"
    kiosk.last_seen_at = timezone.now() - dt.timedelta(hours=1)
    kiosk.save()
    client.force_login(desk)
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<strong id="today-granted">1</strong>' in html
    assert '<strong id="today-denied">1</strong>' in html
    attention = page.context["attention"]
    assert attention[0].endswith(tuple(["Forced open at " + t for t in ("",)])) or (
        "Forced open at" in attention[0]
    )
    assert "Locked down since" in attention[1] and "Bay tablet is offline" in attention[2]
    assert 'class="gate-status"' in html  # the gates, live
    assert "/admin/people/person/" in html  # the lists one click away


def test_an_auditor_gets_the_lists_and_the_report_without_the_live_gates(client, auditor):
    client.force_login(auditor)
    html = client.get("/").content.decode()
    assert "Access report" in html and "/admin/recognition/accessevent/" in html


def test_signed_out_the_home_page_asks_to_sign_in(client):
    answer = client.get("/")
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_the_feed_shows_the_face_kept_with_an_event_to_those_who_may_see_it(client, desk, outsider):
    from django.contrib.auth.models import Permission

    gate = GateFactory(name="Main")
    kept = access_event(gate=gate, granted=False, reason="unknown_face", snapshot_sha256="ab" * 32)
    access_event(gate=gate)  # no face kept
    client.force_login(desk)
    html = client.get("/").content.decode()
    assert html.count('class="event-face"') == 1
    assert f'src="/recognition/access-events/{kept.pk}/snapshot"' in html
    assert 'data-snapshot-url="/recognition/access-events/0/snapshot"' in html  # for live rows
    for codename in ("view_accessevent", "view_kiosk"):
        outsider.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(outsider)  # sees the gates, not the faces
    status = client.get("/recognition/status/").content.decode()
    assert 'class="gate-status"' in status and 'class="event-face"' not in status
