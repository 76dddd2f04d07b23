"""The access report pages: filter the access log, see counts and summaries, export exactly
that selection (at once when small, through a Celery task with progress when large)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from recognition import selectors
from recognition.exports import (
    ExportRefused,
    ImmediateExport,
    SelectionError,
    export_begin,
    export_file_name,
    export_visible_to,
    report_title,
)
from recognition.filtersets import AccessEventFilter
from recognition.models import AccessEvent, ReportExport
from recognition.reports import FORMATS, csv_chunks, export_rows, export_write

PREVIEW_ROWS = 50
SUMMARY_ROWS = 200


def query_filters(request: HttpRequest) -> dict[str, list[str]]:
    return {k: v for k, v in request.GET.lists() if k not in ("page", "as")}


def export_response(fmt: str, export: ImmediateExport) -> HttpResponseBase:
    """The file itself, for a selection small enough to make while the client waits."""
    content_type, _ = FORMATS[fmt]
    name = export_file_name(None, fmt)
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            csv_chunks(export_rows(export.selection.queryset)), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    # Deleted when closed, that is once the response has been sent.
    handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115
    export_write(
        fmt,
        export.selection.queryset,
        Path(handle.name),
        title=report_title(export.selection.description),
        subtitle=f"{export.count} events.",
    )
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@staff_member_required
@permission_required("recognition.view_accessevent", raise_exception=True)
@require_GET
def access_report(request: HttpRequest) -> HttpResponse:
    if not request.GET:  # the last seven days, not the whole log (which can be millions)
        today = timezone.localdate()
        week = {"date_from": today - dt.timedelta(days=6), "date_to": today}
        return redirect(f"{reverse('recognition:access-report')}?{urlencode(week)}")
    filterset = AccessEventFilter(
        data=request.GET, queryset=AccessEvent.objects.select_related("door", "gate__site")
    )
    events = filterset.qs if filterset.is_valid() else None
    context = {
        **admin.site.each_context(request),
        "title": "Access report",
        "time_zone": settings.TIME_ZONE,
        "filterset": filterset,
        "query": request.GET.urlencode(),
        "may_export": request.user.has_perm("recognition.export_accessevent"),
        "sync_max": settings.REPORT_SYNC_MAX_ROWS,
        "exports": ReportExport.objects.filter(created_by=request.user)[:10],
    }
    if events is not None:
        context.update(
            counts=selectors.access_counts(events),
            preview=events.order_by("-occurred_at", "-sequence")[:PREVIEW_ROWS],
            per_gate_day=selectors.entries_per_gate_per_day(events)[:SUMMARY_ROWS],
            by_reason=selectors.denials_by_reason(events),
            repeatedly_denied=selectors.people_denied_repeatedly(events)[:SUMMARY_ROWS],
            first_last=selectors.first_and_last_entries(events)[:SUMMARY_ROWS],
        )
    return TemplateResponse(request, "recognition/access_report.html", context)


@staff_member_required
@permission_required("recognition.export_accessevent", raise_exception=True)
@require_GET
def access_report_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    try:
        export = export_begin(fmt=fmt, filters=query_filters(request), user=request.user)
    except SelectionError as error:
        return HttpResponse(f"These filters cannot be used: {error}", status=400)
    except ExportRefused as refusal:
        return HttpResponse(str(refusal), status=400, content_type="text/plain; charset=utf-8")
    if isinstance(export, ImmediateExport):
        return export_response(fmt, export)
    return redirect("recognition:report-export", export_id=export.pk)


@staff_member_required
@require_GET
def report_export_page(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_object_or_404(ReportExport, pk=export_id)
    if not export_visible_to(export, request.user):
        raise PermissionDenied
    if request.GET.get("json"):
        return JsonResponse(
            {
                "status": export.status,
                "progress": export.progress,
                "rows_done": export.rows_done,
                "rows_total": export.rows_total,
                "error": export.error,
                "download": reverse("recognition:report-export-file", args=[export.pk])
                if export.status == ReportExport.Status.DONE
                else None,
            }
        )
    return TemplateResponse(
        request,
        "recognition/report_export.html",
        {**admin.site.each_context(request), "title": str(export), "export": export},
    )


@staff_member_required
@require_GET
def report_export_file(request: HttpRequest, export_id: int) -> HttpResponseBase:
    export = get_object_or_404(ReportExport, pk=export_id, status=ReportExport.Status.DONE)
    if not export_visible_to(export, request.user):
        raise PermissionDenied
    return export_file_response(export)


def export_file_response(export: ReportExport) -> FileResponse:
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=Path(export.file.name).name,
        content_type=FORMATS[export.format][0],
    )
