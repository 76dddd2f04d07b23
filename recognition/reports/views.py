"""The access report pages: filter the access log, see counts and summaries, export exactly
that selection (at once when small, through a Celery task with progress when large)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gates.local_time import local_day
from recognition.access_log.filters import AccessEventFilter
from recognition.models import AccessEvent, ReportExport
from recognition.reports import summaries
from recognition.reports.exports import (
    ExportRefused,
    ImmediateExport,
    SelectionError,
    export_begin,
    export_visible_to,
)
from recognition.reports.responses import export_file_response, export_response, query_filters

PREVIEW_ROWS = 50
SUMMARY_ROWS = 200


@staff_member_required
@permission_required("recognition.view_accessevent", raise_exception=True)
@require_GET
def access_report(request: HttpRequest) -> HttpResponse:
    if not request.GET:  # the last seven days, not the whole log (which can be millions)
        today = local_day(timezone.now(), settings.TIME_ZONE)
        week = {"date_from": today - dt.timedelta(days=6), "date_to": today}
        return redirect(f"{reverse('recognition:access-report')}?{urlencode(week)}")
    filterset = AccessEventFilter(
        data=request.GET, queryset=AccessEvent.objects.select_related("door", "gate__site")
    )
    events = filterset.qs if filterset.is_valid() else None
    context = {
        **admin.site.each_context(request),
        "title": _("Access report"),
        "time_zone": settings.TIME_ZONE,
        "filterset": filterset,
        "query": request.GET.urlencode(),
        "may_export": request.user.has_perm("recognition.export_accessevent"),
        "sync_max": settings.REPORT_SYNC_MAX_ROWS,
        "exports": ReportExport.objects.filter(created_by=request.user.pk)[:10],
    }
    if events is not None:
        context.update(
            counts=summaries.access_counts(events),
            preview=events.order_by("-occurred_at", "-sequence")[:PREVIEW_ROWS],
            per_gate_day=summaries.entries_per_gate_per_day(events)[:SUMMARY_ROWS],
            by_reason=summaries.denials_by_reason(events),
            repeatedly_denied=summaries.people_denied_repeatedly(events)[:SUMMARY_ROWS],
            first_last=summaries.first_and_last_entries(events)[:SUMMARY_ROWS],
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
