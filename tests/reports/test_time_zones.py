"""One clock: a Berlin site, an event at 23:30 UTC (00:30 the next day in Berlin). The report's
day filter, its summaries, its table, every export, the status page and the admin agree, and
every time shown says its zone."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from recognition.models import AccessEvent
from recognition.reports import summaries
from tests.factories import GateFactory, PersonFactory, SiteFactory, access_event

pytestmark = pytest.mark.django_db

LATE = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC)  # 2026-12-08 00:30 in Berlin


@pytest.fixture
def late_in_berlin(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TIME_ZONE = "UTC"  # the server's zone differs from the site's
    berlin = SiteFactory(name="Berlin", timezone="Europe/Berlin")
    gate = GateFactory(site=berlin, name="Main")
    ada = PersonFactory(first_name="Ada", last_name="Lovelace")
    return access_event(gate=gate, person=ada, at=LATE)


def report(client, **params):
    return client.get(reverse("recognition:access-report"), params)


def test_days_are_the_sites_own(client, auditor, late_in_berlin):
    client.force_login(auditor)
    assert (
        report(client, date_from="2026-12-08", date_to="2026-12-08").context["counts"]["total"] == 1
    )
    assert (
        report(client, date_from="2026-12-07", date_to="2026-12-07").context["counts"]["total"] == 0
    )
    events = AccessEvent.objects.all()
    (per_day,) = summaries.entries_per_gate_per_day(events)
    assert per_day["day"] == dt.date(2026, 12, 8)
    (first_last,) = summaries.first_and_last_entries(events)
    assert (first_last["day"], first_last["zone"]) == (dt.date(2026, 12, 8), "Europe/Berlin")


def test_every_rendering_shows_the_same_local_time_with_its_zone(
    client, auditor, desk, late_in_berlin
):
    client.force_login(auditor)
    page = report(client, date_from="2026-12-08", date_to="2026-12-08").content.decode()
    assert "2026-12-08 00:30:00 CET" in page  # the table
    assert "00:30:00 CET" in page.split("First and last entry")[1]  # the summary, same zone
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    client.get(
                        reverse("recognition:access-report-export", args=["csv"]),
                        {"date_from": "2026-12-08"},
                    ).streaming_content
                ).decode("utf-8-sig")
            )
        )
    )
    (row,) = rows
    assert (row["Time (UTC)"], row["Local time"], row["Time zone"]) == (
        "2026-12-07T23:30:00Z",
        "2026-12-08 00:30:00",
        "Europe/Berlin",
    )
    pdf = client.get(
        reverse("recognition:access-report-export", args=["pdf"]), {"date_from": "2026-12-08"}
    )
    data = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "2026-12-08 00:30:00 CET" in text
    client.force_login(desk)
    status = client.get(reverse("recognition:status")).content.decode()
    assert "2026-12-08 00:30:00 CET" in status
    admin_list = client.get("/admin/recognition/accessevent/").content.decode()
    assert "2026-12-07 23:30:00 UTC" in admin_list  # the server's zone, named
