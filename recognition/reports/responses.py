"""Report files as HTTP responses, for the report pages and the API alike."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponseBase, StreamingHttpResponse

from recognition.models import ReportExport
from recognition.reports.exports import ImmediateExport, export_file_name, report_title
from recognition.reports.writers import FORMATS, csv_chunks, export_rows, export_write


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


def export_file_response(export: ReportExport) -> FileResponse:
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=Path(export.file.name or "").name,
        content_type=FORMATS[export.format][0],
    )
