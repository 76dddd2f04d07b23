"""Reports: the access log filtered, counted, summarised and exported (CSV, XLSX, PDF), at
once or through Celery, in the browser and the API, by role; scheduled reports."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from recognition.access_log.chain import door_actuation_record
from recognition.models import ReportExport, ScheduledReport
from recognition.reports import exports, schedules
from tests.conftest import token_client
from tests.factories import (
    GateFactory,
    PersonFactory,
    PersonGroupFactory,
    SiteFactory,
    access_event,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
DAY1 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday
DAY2 = DAY1 + dt.timedelta(days=1)


@pytest.fixture
def log(settings, tmp_path):
    """GIVEN two sites, three people (one in Engineering, one named like a formula) and events
    over two days."""
    settings.MEDIA_ROOT = tmp_path
    settings.TIME_ZONE = "UTC"
    north = SiteFactory(name="North", timezone="Europe/Berlin")
    south = SiteFactory(name="South", timezone="UTC")
    main, dock = GateFactory(site=north, name="Main"), GateFactory(site=south, name="Dock")
    engineering = PersonGroupFactory(name="Engineering")
    ada = PersonFactory(first_name="Ada", last_name="Lovelace", groups=[engineering])
    bob = PersonFactory(first_name="Bob", last_name="Builder")
    mallory = PersonFactory(first_name="=HYPERLINK(1)", last_name="Mallory")
    made = {
        "ada_in": access_event(gate=main, person=ada, at=DAY1),
        "ada_late": access_event(gate=main, person=ada, at=DAY1 + dt.timedelta(hours=9)),
        "ada_dock": access_event(gate=dock, person=ada, at=DAY2),
        "stranger": access_event(gate=main, granted=False, reason="unknown_face", at=DAY1),
        "mallory": access_event(gate=dock, person=mallory, at=DAY2),
    }
    for minutes in (1, 2, 3):
        access_event(
            gate=dock,
            person=bob,
            granted=False,
            reason="outside_schedule",
            at=DAY2 + dt.timedelta(minutes=minutes),
        )
    door_actuation_record(event=made["ada_in"], opened=True, detail="logged", at=DAY1)
    return {"sites": (north, south), "gates": (main, dock), "group": engineering, **made}


REASONS = ("granted", "unknown_face", "outside_schedule")


def report(client, **params):
    return client.get(reverse("recognition:access-report"), params)


def export(client, fmt, **params):
    return client.get(reverse("recognition:access-report-export", args=[fmt]), params)


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_page_opens_on_the_last_seven_days(client, auditor, log):
    client.force_login(auditor)
    response = report(client)
    assert response.status_code == 302 and "date_from=" in response["Location"]
    assert client.get(response["Location"]).context["counts"]["total"] == 0  # all in 2026-11


@pytest.mark.parametrize(
    ("params", "total", "granted"),
    [
        ({"reason": list(REASONS)}, 8, 4),
        ({"date_from": "2026-11-03", "date_to": "2026-11-03"}, 5, 2),
        ({"decision": "denied"}, 4, 0),
        ({"reason": ["unknown_face", "outside_schedule"]}, 4, 0),
    ],
)
def test_the_report_page_counts_the_selection(client, auditor, log, params, total, granted):
    client.force_login(auditor)
    page = report(client, **params)
    assert page.status_code == 200
    assert page.context["counts"] == {"total": total, "granted": granted, "denied": total - granted}


def test_filters_by_site_gate_person_and_group(client, auditor, log):
    client.force_login(auditor)
    north, _ = log["sites"]
    _, dock = log["gates"]
    assert report(client, site=north.pk).context["counts"]["total"] == 3
    assert report(client, gate=dock.pk).context["counts"]["total"] == 5
    assert report(client, person=log["ada_in"].person_id).context["counts"]["total"] == 3
    assert report(client, group=log["group"].pk).context["counts"]["total"] == 3


def test_bad_filters_are_explained_not_a_crash(client, auditor, log):
    client.force_login(auditor)
    page = report(client, date_from="yesterday", gate="999999")
    assert page.status_code == 200
    assert "Enter a valid date" in page.content.decode()
    assert export(client, "csv", date_from="yesterday").status_code == 400
    assert export(client, "docx").status_code == 400


def test_the_filters_say_what_they_are_even_after_the_api_schema_was_made(client, auditor, log):
    """The Decision filter read "[invalid name]" (then "None") once drf-spectacular had made
    the API's schema: every filter now names its label. Days are date inputs, reasons are
    checkboxes in words, and a reversed range says so instead of showing nothing."""
    from drf_spectacular.generators import SchemaGenerator

    SchemaGenerator().get_schema(request=None, public=True)
    client.force_login(auditor)
    page = report(client, date_from="2026-11-01").content.decode()
    labels = re.findall(r'<label(?: for="id_[a-z_]+")?>([^<]+)</label>', page)
    assert labels == [
        "From (day)",
        "To (day, included)",
        "Site",
        "Gate",
        "Kiosk",
        "Person",
        "Group",
        "Decision",
        "Reason",
    ]
    assert page.count('type="date"') == 2 and 'type="checkbox" name="reason"' in page
    assert "Outside the schedule" in page and "[invalid name]" not in page
    assert '<td title="outside_schedule">Outside the schedule</td>' in page  # the table too
    reversed_range = report(client, date_from="2026-11-03", date_to="2026-11-02")
    assert "&#x27;From&#x27; is after &#x27;To&#x27;" in reversed_range.content.decode()
    assert reversed_range.context.get("counts") is None  # no "0 events" that looks true


def test_the_summaries(client, auditor, log):
    client.force_login(auditor)
    context = report(client, date_from="2026-11-01").context
    assert [(r["day"], r["gate_name"], r["entries"]) for r in context["per_gate_day"]] == [
        (dt.date(2026, 11, 2), "North / Main", 2),
        (dt.date(2026, 11, 3), "South / Dock", 2),
    ]
    assert [(r["reason"], r["attempts"]) for r in context["by_reason"]] == [
        ("outside_schedule", 3),
        ("unknown_face", 1),
    ]
    assert [(r["person_name"], r["denials"]) for r in context["repeatedly_denied"]] == [
        ("Bob Builder", 3)
    ]
    ada_day1 = next(
        r
        for r in context["first_last"]
        if r["person_name"] == "Ada Lovelace" and r["day"] == dt.date(2026, 11, 2)
    )
    assert (ada_day1["first"], ada_day1["last"], ada_day1["entries"]) == (
        DAY1,
        DAY1 + dt.timedelta(hours=9),
        2,
    )


def test_csv_export_is_exactly_the_selection(client, auditor, log):
    client.force_login(auditor)
    response = export(client, "csv", decision="granted")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(content(response))
    assert [r["Sequence"] for r in rows] == ["1", "2", "3", "5"]
    first = rows[0]
    assert first["Person"] == "Ada Lovelace" and first["Decision"] == "granted"
    assert first["Time (UTC)"] == "2026-11-02T08:00:00Z" and first["Door"] == "opened"
    assert (first["Local time"], first["Time zone"]) == ("2026-11-02 09:00:00", "Europe/Berlin")
    assert first["Entry hash"] == log["ada_in"].entry_hash
    assert rows[3]["Person"].startswith("'=")  # a formula would not run in a spreadsheet


def test_xlsx_export_opens_in_openpyxl(client, auditor, log):
    client.force_login(auditor)
    response = export(client, "xlsx", gate=log["gates"][1].pk)
    assert response.status_code == 200
    data = content(response)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Sequence", "Time (UTC)", "Local time", "Time zone")
    assert len(rows) == 1 + 5
    assert rows[1][7] == "Ada Lovelace" and rows[1][2] == DAY2.replace(tzinfo=None)
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell)
    # UTC is a date too (it was text), the header filters, the columns can be read.
    assert rows[1][1] == DAY2.replace(tzinfo=None)
    full = load_workbook(io.BytesIO(data)).active
    assert full.auto_filter.ref == "A1:S6"
    assert full.column_dimensions["B"].width == 20 and full["B2"].number_format.startswith("yyyy")


def test_pdf_export_reads_back_and_refuses_when_too_long(client, auditor, log, settings):
    client.force_login(auditor)
    response = export(client, "pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content(response))).pages)
    assert "AccessPortal access events" in text
    assert "Ada Lovelace" in text and "outside_schedule" in text and "Bob Builder" in text
    # "of 1" is drawn once the last page is known (a form: read out after the label)
    assert "Page 1 of 1" in re.sub(r"\s+", " ", text)
    assert "8 events: 4 granted, 4 denied" in text
    settings.REPORT_PDF_MAX_ROWS = 3
    refused = export(client, "pdf")
    assert refused.status_code == 400 and "at most 3" in refused.content.decode()


def test_a_large_export_runs_in_celery_with_progress_and_a_download(
    client, auditor, manager, log, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.REPORT_SYNC_MAX_ROWS = 2
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, "csv", decision="denied")
    assert response.status_code == 302
    made = ReportExport.objects.get()
    assert response["Location"] == reverse("recognition:report-export", args=[made.pk])
    state = client.get(response["Location"], {"json": 1}).json()
    assert state["status"] == "done" and state["progress"] == 100 and state["rows_total"] == 4
    page = client.get(response["Location"])
    assert b"Download" in page.content and made.description.encode() in page.content
    download = client.get(state["download"])
    assert [r["Reason"] for r in csv_rows(content(download))] == ["unknown_face"] + [
        "outside_schedule"
    ] * 3
    client.force_login(manager)  # someone else's export stays theirs
    assert client.get(state["download"]).status_code == 403
    made.refresh_from_db()
    with open(made.file.path, "rb") as raw:
        on_disk = raw.read()
    assert b"unknown_face" not in on_disk and b"Reason" not in on_disk  # encrypted on disk


def test_an_export_that_fails_says_so(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    broken = ReportExport.objects.create(format="csv", filters={"gate": ["999999"]})
    exports.report_export_run(export_id=broken.pk)
    broken.refresh_from_db()
    assert broken.status == "failed" and "gate" in broken.error and not broken.file


def test_roles(client, users, log):
    for role, may_see, may_export in (
        ("manager", 200, 200),
        ("auditor", 200, 200),
        ("desk", 200, 403),
        ("outsider", 403, 403),
    ):
        client.force_login(users[role])
        assert report(client, decision="granted").status_code == may_see, role
        assert export(client, "csv").status_code == may_export, role


def test_the_api_lists_filters_summarises_and_exports(log, auditor, desk, settings):
    api = token_client(auditor)
    listed = api.get("/api/access-events/", {"decision": "denied", "ordering": "sequence"})
    assert listed.status_code == 200 and listed.json()["count"] == 4
    first = listed.json()["results"][0]
    assert first["reason"] == "unknown_face" and first["person"] is None
    assert first["entry_hash"] == log["stranger"].entry_hash
    summary = api.get("/api/access-events/summary/", {"site": log["sites"][1].pk}).json()
    assert summary["counts"] == {"total": 5, "granted": 2, "denied": 3}
    csv_file = api.get("/api/access-events/export/", {"as": "csv", "decision": "granted"})
    assert csv_file.status_code == 200 and len(csv_rows(content(csv_file))) == 4
    assert api.get("/api/access-events/export/", {"as": "odt"}).status_code == 400

    desk_api = token_client(desk)
    assert desk_api.get("/api/access-events/").status_code == 200
    assert desk_api.get("/api/access-events/export/", {"as": "csv"}).status_code == 403
    assert desk_api.get("/api/report-exports/").status_code == 403


def test_a_large_api_export_is_accepted_then_downloaded(
    log, auditor, manager, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.REPORT_SYNC_MAX_ROWS = 1
    api = token_client(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.get("/api/access-events/export/", {"as": "xlsx"})
    assert accepted.status_code == 202
    job = api.get(f"/api/report-exports/{accepted.json()['id']}/").json()
    assert job["status"] == "done" and job["file_url"]
    workbook = load_workbook(io.BytesIO(content(api.get(job["file_url"]))), read_only=True)
    assert len(list(workbook.active.iter_rows())) == 1 + 8
    other = token_client(manager)
    assert other.get(f"/api/report-exports/{job['id']}/").status_code == 404


def test_scheduled_reports_run_once_per_period(
    log, manager, settings, eager_celery, django_capture_on_commit_callbacks
):
    daily = ScheduledReport.objects.create(
        name="Dock daily", frequency="daily", format="csv", gate=log["gates"][1]
    )
    weekly = ScheduledReport.objects.create(
        name="Weekly denials", frequency="weekly", format="xlsx", decision="denied"
    )
    tuesday_morning = DAY2 + dt.timedelta(days=1)  # Wednesday 4 Nov, 08:00: reports Tuesday 3
    with django_capture_on_commit_callbacks(execute=True):
        made = schedules.scheduled_reports_run(now=tuesday_morning)
    assert {m.scheduled_report for m in made} == {daily, weekly}
    daily_export = next(m for m in made if m.scheduled_report == daily)
    daily_export.refresh_from_db()
    assert daily_export.status == "done" and daily_export.rows_total == 5
    assert "2026-11-03 to 2026-11-03" in daily_export.description
    weekly_export = next(m for m in made if m.scheduled_report == weekly)
    weekly_export.refresh_from_db()
    assert weekly_export.rows_total == 0  # the week before 2 November had no events
    assert schedules.scheduled_reports_run(now=tuesday_morning + dt.timedelta(hours=1)) == []
    next_week = schedules.scheduled_reports_run(now=DAY1 + dt.timedelta(days=7))
    assert [m.scheduled_report for m in next_week] == [daily, weekly]


def test_old_report_files_are_pruned(
    log, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.REPORT_KEEP_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        made = exports.report_export_create(fmt="csv", selection=exports.access_selection({}))
    made.refresh_from_db()
    path = made.file.path
    assert exports.report_exports_prune(now=made.created_at + dt.timedelta(days=29)) == 0
    with django_capture_on_commit_callbacks(
        execute=True
    ):  # files go once the rows' deletion commits
        assert exports.report_exports_prune(now=made.created_at + dt.timedelta(days=31)) == 1
    import os

    assert not os.path.exists(path) and not ReportExport.objects.exists()
