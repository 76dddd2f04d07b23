"""The week editor page: who may open it, and what it is given (the browser test paints)."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from gates.models import TimeWindow
from tests.factories import ScheduleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule():
    schedule = ScheduleFactory(name="Night shift")
    TimeWindow.objects.create(
        schedule=schedule, weekday=4, start=dt.time(22), end=dt.time(6), ends_next_day=True
    )
    return schedule


def editor_data(page) -> dict:
    html = page.content.decode()
    start = html.index('id="schedule-editor-data" type="application/json">') + len(
        'id="schedule-editor-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize(
    ("role", "status", "can_edit"),
    [
        ("manager", 200, True),
        ("auditor", 200, False),
        ("desk", 200, False),
        ("outsider", 403, None),
    ],
)
def test_who_may_open_the_editor_and_edit(client, users, schedule, role, status, can_edit):
    client.force_login(users[role])
    page = client.get(reverse("gates:schedule-editor", args=[schedule.pk]))
    assert page.status_code == status
    if status == 200:
        data = editor_data(page)
        assert data["canEdit"] is can_edit
        assert data["windows"] == [
            {"weekday": 4, "start": "22:00:00", "end": "06:00:00", "ends_next_day": True}
        ]


def test_the_schedule_page_links_to_the_week_editor(client, manager, schedule):
    client.force_login(manager)
    url = reverse("gates:schedule-editor", args=[schedule.pk])
    change = client.get(reverse("admin:gates_schedule_change", args=[schedule.pk]))
    assert url.encode() in change.content
    assert url.encode() in client.get(reverse("admin:gates_schedule_changelist")).content
