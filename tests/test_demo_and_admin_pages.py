"""The demo data a newcomer meets, and the admin pages that answer access questions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from gates.decisions import Reason
from gates.demo import demo_load
from gates.models import AccessRule, Gate, Holiday, Schedule, Site, TimeWindow
from gates.selectors import gate_who_may_pass
from people.models import Person, PersonGroup
from tests.conftest import password_sign_in

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
MODELS = [Site, Gate, Schedule, TimeWindow, Holiday, Person, PersonGroup, AccessRule, User]


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_demo_loads_twice_without_duplicates(capsys):
    call_command("load_demo")
    first = counts()
    password_line = [line for line in capsys.readouterr().out.splitlines() if "Password" in line]
    call_command("load_demo")
    second_output = capsys.readouterr().out
    assert counts() == first
    assert first["Gate"] == 3 and first["Site"] == 1 and first["User"] == 4
    assert password_line and password_line[0] in second_output


def test_demo_credentials_sign_in(client, capsys):
    call_command("load_demo")
    password = capsys.readouterr().out.split("Password for all of them: ")[1].split()[0]
    signed_in = password_sign_in(client, "admin", password)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_who_may_pass_the_demo_main_entrance():
    demo_load()
    gate = Gate.objects.get(slug="main-entrance")
    monday_10 = dt.datetime(2026, 11, 23, 10, tzinfo=BERLIN)
    granted = {
        a.person.employee_number
        for a in gate_who_may_pass(gate=gate, at=monday_10)
        if a.decision.granted
    }
    # Engineering (office hours) and Facilities (extended hours) through the perimeter group;
    # not the inactive Tim Berners-Lee; visitors only within their validity week.
    assert {"E-1001", "E-1002", "E-1003", "F-2001"} <= granted
    assert "F-2002" not in granted
    christmas = {
        a.person.employee_number: a.decision.reason
        for a in gate_who_may_pass(gate=gate, at=dt.datetime(2026, 12, 25, 10, tzinfo=BERLIN))
    }
    assert christmas["E-1001"] is Reason.HOLIDAY_CLOSED
    assert christmas["F-2001"] is Reason.GRANTED


def test_gate_page_shows_who_may_pass_now(client, manager):
    demo_load()
    gate = Gate.objects.get(slug="main-entrance")
    client.force_login(manager)
    page = client.get(reverse("admin:gates_gate_change", args=[gate.pk])).content.decode()
    assert "Who may pass now" in page
    assert "Katherine Johnson" in page  # Facilities: extended hours, every day 06:00–23:00


def test_gate_access_page_answers_for_a_chosen_time(client, desk):
    demo_load()
    gate = Gate.objects.get(slug="main-entrance")
    client.force_login(desk)
    url = reverse("admin:gates_gate_access", args=[gate.pk])
    page = client.get(url, {"at": "2026-12-25T10:00", "tz": "Europe/Berlin"}).content.decode()
    assert "holiday_closed" in page
    assert "Friday 25 December 2026, 10:00" in page


def test_person_access_page(client, auditor):
    demo_load()
    ada = Person.objects.get(employee_number="E-1001")
    client.force_login(auditor)
    page = client.get(
        reverse("admin:people_person_access", args=[ada.pk]),
        {"at": "2026-11-23T10:00", "tz": "Europe/Berlin"},
    ).content.decode()
    assert "Server room" in page and "Loading dock" in page


def test_access_pages_refused_without_a_role(client, outsider):
    demo_load()
    client.force_login(outsider)
    gate = Gate.objects.get(slug="main-entrance")
    assert client.get(reverse("admin:gates_gate_access", args=[gate.pk])).status_code == 403


def test_admin_search_and_filters_respond(client, manager):
    demo_load()
    client.force_login(manager)
    for url in [
        reverse("admin:people_person_changelist") + "?q=Lovelace",
        reverse("admin:people_person_changelist") + "?is_active__exact=0",
        reverse("admin:gates_accessrule_changelist") + "?effect__exact=deny",
        reverse("admin:gates_schedule_change", args=[Schedule.objects.get(name="Office hours").pk]),
        reverse("admin:gates_holiday_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_schedule_editor_reports_overlaps_in_place(client, manager):
    client.force_login(manager)
    form = {
        "name": "Clash",
        "description": "",
        "windows-TOTAL_FORMS": "2",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "1000",
        "windows-0-weekday": "0",
        "windows-0-start": "08:00",
        "windows-0-end": "12:00",
        "windows-1-weekday": "0",
        "windows-1-start": "11:00",
        "windows-1-end": "13:00",
    }
    response = client.post(reverse("admin:gates_schedule_add"), form)
    assert response.status_code == 200  # the form again, with the error
    assert "Monday 08:00–12:00 overlaps Monday 11:00–13:00" in response.content.decode()
    assert not Schedule.objects.filter(name="Clash").exists()

    form["windows-1-start"] = "12:00"
    assert client.post(reverse("admin:gates_schedule_add"), form).status_code == 302
    assert Schedule.objects.get(name="Clash").windows.count() == 2


def test_demo_offers_a_kiosk_pairing_link_until_the_kiosk_is_paired(client, capsys):
    call_command("load_demo")
    line = next(x for x in capsys.readouterr().out.splitlines() if "/kiosk/pair/" in x)
    url = next(word for word in line.split() if "/kiosk/pair/" in word)
    from tests.kiosk_device import DeviceKey

    token = url.split("#", 1)[1]
    paired = client.post("/kiosk/pair/", {"token": token, "device_key": DeviceKey().public})
    assert paired.status_code == 302
    assert client.get("/kiosk/").status_code == 200
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "/kiosk/pair/" not in output and "is paired" in output
