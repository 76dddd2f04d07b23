"""Report exports: a selection of the access log made into a file, now or by a Celery task;
who may see the files, and when they are deleted."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from recognition.access_log.filters import AccessEventFilter
from recognition.models import AccessEvent, ReportExport, ScheduledReport
from recognition.reports.writers import FORMATS, export_write

logger = logging.getLogger(__name__)

Filters = dict[str, list[str]]  # as a query string has them: name -> values


class SelectionError(ValueError):
    """The filters do not describe a selection; ``errors`` says why, per field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Selection:
    queryset: QuerySet[AccessEvent]
    filters: Filters
    description: str


def access_selection(filters: Filters) -> Selection:
    """The events the filters select, and a description of the filters for a person.
    Raises SelectionError for filters that do not make sense."""
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for name, values in filters.items():
        data.setlist(name, [str(v) for v in values])
    filterset = AccessEventFilter(data=data, queryset=AccessEvent.objects.all())
    if not filterset.is_valid():
        raise SelectionError({k: list(v) for k, v in filterset.errors.items()})
    parts = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []):
            continue
        label = filterset.filters[name].label or name.replace("_", " ")
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{str(label).lower()}: {shown}")
    kept = {k: v for k, v in filters.items() if k in filterset.filters and any(v)}
    return Selection(
        queryset=filterset.qs,
        filters=kept,
        description="; ".join(parts) or "all events",
    )


class ExportRefused(ValueError):
    """This export cannot be made (unknown format, a PDF too long); the message says why."""


@dataclass(frozen=True)
class ImmediateExport:
    """A selection small enough to write while the client waits."""

    selection: Selection
    count: int


def export_begin(*, fmt: str, filters: Filters, user: Any) -> ImmediateExport | ReportExport:
    """Start an export of the events ``filters`` select: up to REPORT_SYNC_MAX_ROWS it is
    made at once, larger ones by a Celery task (the queued ReportExport is returned).
    Raises SelectionError for bad filters and ExportRefused for an export that cannot be made.
    """
    selection = access_selection(filters)
    count = selection.queryset.count()
    if fmt not in FORMATS:
        raise ExportRefused(f"Unknown format {fmt!r}: choose csv, xlsx or pdf.")
    if fmt == "pdf" and count > settings.REPORT_PDF_MAX_ROWS:
        raise ExportRefused(
            f"A PDF holds at most {settings.REPORT_PDF_MAX_ROWS} events and this selection has "
            f"{count}. Narrow the selection, or export CSV or XLSX."
        )
    if count > settings.REPORT_SYNC_MAX_ROWS:
        return report_export_create(fmt=fmt, selection=selection, user=user)
    return ImmediateExport(selection, count)


def report_title(description: str) -> str:
    return f"AccessPortal access events ({description})"


def export_file_name(export_id: int | None, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"access-events-{stamp}{f'-{export_id}' if export_id else ''}.{FORMATS[fmt][1]}"


def report_export_create(
    *,
    fmt: str,
    selection: Selection,
    user=None,
    scheduled_report: ScheduledReport | None = None,
) -> ReportExport:
    """Record an export and queue its task once the record is committed."""
    from recognition.reports.tasks import report_export_run as task

    export = ReportExport.objects.create(
        format=fmt,
        filters=selection.filters,
        description=selection.description[:500],
        created_by=user,
        scheduled_report=scheduled_report,
    )
    transaction.on_commit(lambda: task.delay(export.pk))
    return export


def report_export_run(*, export_id: int) -> None:
    """Produce the export's file, noting progress on its row as batches are written. A
    failure is recorded on the row (and no half-written file is kept)."""
    export = ReportExport.objects.filter(pk=export_id).first()
    if export is None or export.status not in (
        ReportExport.Status.QUEUED,
        ReportExport.Status.RUNNING,  # a worker lost mid-way: start again
    ):
        return
    rows = ReportExport.objects.filter(pk=export_id)
    try:
        selection = access_selection(export.filters)
        total = selection.queryset.count()
        if export.format == ReportExport.Format.PDF:
            total = min(total, settings.REPORT_PDF_MAX_ROWS)
        rows.update(status=ReportExport.Status.RUNNING, rows_total=total, rows_done=0)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / export_file_name(export.pk, export.format)
            export_write(
                export.format,
                selection.queryset,
                path,
                title=report_title(selection.description),
                subtitle=f"{total} events. Produced {timezone.localtime():%Y-%m-%d %H:%M %Z}.",
                on_batch=lambda done: rows.update(rows_done=done),
            )
            with path.open("rb") as handle:
                export.file.save(path.name, File(handle), save=False)
        rows.update(
            status=ReportExport.Status.DONE,
            rows_done=total,
            file=export.file.name,
            finished_at=timezone.now(),
        )
    except Exception as error:
        logger.exception("Report export %s failed", export_id)
        if export.file:
            export.file.delete(save=False)
        rows.update(
            status=ReportExport.Status.FAILED,
            error=f"The export failed: {error}"[:500],
            file="",
            finished_at=timezone.now(),
        )


def report_exports_prune(*, now: dt.datetime | None = None) -> int:
    """Delete produced files (and their records) older than REPORT_KEEP_DAYS."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.REPORT_KEEP_DAYS)
    # django-cleanup deletes each file once the rows' deletion commits.
    _, deleted = ReportExport.objects.filter(created_at__lt=cutoff).delete()
    return deleted.get(ReportExport._meta.label, 0)


def export_visible_to(export: ReportExport, user: Any) -> bool:
    return (
        user.has_perm("recognition.export_accessevent")
        and report_exports_visible(user).filter(pk=export.pk).exists()
    )


def report_exports_visible(user: Any) -> QuerySet[ReportExport]:
    """Report files a user may see: the exports they asked for, and the scheduled reports if
    they may see report files (managers and auditors)."""
    visible = Q(created_by=user)
    if user.has_perm("recognition.view_reportexport"):
        visible |= Q(created_by=None)
    return ReportExport.objects.filter(visible)
