"""Security headers on every response: Content-Security-Policy (django-csp), the camera
allowed on the kiosk page only, no framing; and operators' sessions end when idle.
(tests/test_security_headers_browser.py checks that the pages still run under the policy.)"""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from recognition.kiosks import pairing
from tests.factories import GateFactory, PersonFactory, UserFactory
from tests.kiosks.test_pairing import pair

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/account/login/", "/kiosk/pair/", "/api/docs/", "/healthz/live"])
def test_every_response_carries_the_policy_and_keeps_the_camera_off(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_kiosk_page_alone_may_use_the_camera_of_this_origin(client):
    _, token = pairing.kiosk_create(gate=GateFactory())
    assert pair(client, token).status_code == 302
    response = client.get("/kiosk/")
    assert response.status_code == 200
    assert "camera=(self)" in response["Permissions-Policy"]


def test_enrolment_from_the_camera_may_use_it_and_the_persons_page_may_not(client, manager):
    person = PersonFactory()
    client.force_login(manager)
    camera = client.get(f"/recognition/people/{person.pk}/camera")
    assert camera.status_code == 200 and "camera=(self)" in camera["Permissions-Policy"]
    page = client.get(f"/admin/people/person/{person.pk}/change/")
    assert "camera=()" in page["Permissions-Policy"]


def test_an_operator_idle_longer_than_the_limit_is_signed_out(client, settings):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    session = Session.objects.get()
    assert session.expire_date - timezone.now() <= dt.timedelta(
        minutes=settings.SESSION_IDLE_MINUTES
    )
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    answer = client.get("/admin/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_each_request_starts_the_idle_time_again(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + dt.timedelta(minutes=20)


def test_an_open_status_page_renews_its_session_for_those_who_may_see_it(client):
    from django.contrib.auth.models import Permission

    watcher = UserFactory(is_staff=True)
    watcher.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_kiosk", "view_accessevent"])
    )
    client.force_login(watcher)
    assert client.get(reverse("recognition:status-alive")).status_code == 204
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("recognition:status-alive")).status_code == 403
