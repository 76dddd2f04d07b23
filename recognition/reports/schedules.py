"""Scheduled reports: after each period ends, Celery beat queues its export once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gates.local_time import local_day
from recognition.models import ReportExport, ScheduledReport
from recognition.reports.exports import (
    Filters,
    Selection,
    access_selection,
    report_export_create,
)


def scheduled_report_period(
    report: ScheduledReport, *, today: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The latest complete period (first and last day) not yet reported, or None."""
    if report.frequency == ScheduledReport.Frequency.DAILY:
        last = today - dt.timedelta(days=1)
        first = last
    else:
        last = today - dt.timedelta(days=today.weekday() + 1)  # the Sunday before this week
        first = last - dt.timedelta(days=6)
    if report.last_period_end is not None and report.last_period_end >= last:
        return None
    return first, last


def scheduled_report_filters(report: ScheduledReport, first: dt.date, last: dt.date) -> Filters:
    filters: Filters = {"date_from": [first.isoformat()], "date_to": [last.isoformat()]}
    for name in ("site", "gate", "group"):
        value = getattr(report, f"{name}_id")
        if value:
            filters[name] = [str(value)]
    if report.decision:
        filters["decision"] = [report.decision]
    return filters


def scheduled_reports_run(*, now: dt.datetime | None = None) -> list[ReportExport]:
    """Queue the exports of every active scheduled report whose period has ended. Each period
    is produced once, however often this runs and in however many processes."""
    today = local_day(now or timezone.now(), settings.TIME_ZONE)
    queued = []
    for report_id in ScheduledReport.objects.filter(is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            report = ScheduledReport.objects.select_for_update().get(pk=report_id)
            period = scheduled_report_period(report, today=today)
            if period is None:
                continue
            selection = access_selection(scheduled_report_filters(report, *period))
            selection = Selection(
                selection.queryset,
                selection.filters,
                f"{report.name}, {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}",
            )
            queued.append(
                report_export_create(
                    fmt=report.format, selection=selection, scheduled_report=report
                )
            )
            ScheduledReport.objects.filter(pk=report.pk).update(last_period_end=period[1])
    return queued
