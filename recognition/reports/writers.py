"""Access log reports: the rows of a filtered selection, written as CSV, XLSX or PDF.

Rows are read in keyset-paginated batches (by chain sequence, that is in the order events
happened) and written as they come, so memory stays flat however many rows there are: CSV
streams straight to the client or a file, XLSX uses openpyxl's write-only mode (rows go to a
temporary file as they are appended), PDF draws page by page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from gates.local_time import zone_abbreviation
from recognition.models import AccessEvent, door_outcome

BATCH = 2000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass(frozen=True)
class Column:
    name: str  # the event's field; "local", "zone", "decision" and "door" are derived
    heading: str
    pdf_width: int = 0  # points, for the columns the PDF shows
    pdf_heading: str = ""  # when the PDF's narrow column needs a shorter heading


# Every export's columns, in order: CSV and XLSX show them all, the PDF those it has a width
# for, in PDF_COLUMNS' order. Local time is the site's (the gate's site's time zone;
# ACCESSPORTAL_TIME_ZONE for an event whose gate was deleted).
COLUMNS = (
    Column("sequence", "Sequence", 50, "#"),
    Column("occurred_at", "Time (UTC)"),
    Column("local", "Local time", 120),
    Column("zone", "Time zone"),
    Column("site_name", "Site"),
    Column("gate_name", "Gate", 150),
    Column("kiosk_name", "Kiosk"),
    Column("person_name", "Person", 130),
    Column("person_id", "Person id"),
    Column("decision", "Decision", 50),
    Column("reason", "Reason", 95),
    Column("rule_name", "Rule", 120),
    Column("distance", "Distance"),
    Column("margin", "Margin"),
    Column("liveness", "Liveness"),
    Column("model_name", "Model"),
    Column("frames", "Frames"),
    Column("door", "Door", 50),
    Column("entry_hash", "Entry hash"),
)
HEADINGS = [column.heading for column in COLUMNS]
_POSITION = {column.name: index for index, column in enumerate(COLUMNS)}
# The PDF's columns by name, in its order (the sequence last): (heading, position in the row,
# width).
_PDF_ORDER = ("local", "gate_name", "person_name", "decision", "reason", "rule_name", "door")
PDF_COLUMNS = tuple(
    (COLUMNS[i].pdf_heading or COLUMNS[i].heading, i, COLUMNS[i].pdf_width)
    for i in (_POSITION[name] for name in (*_PDF_ORDER, "sequence"))
)
_READ = (
    "sequence",
    "occurred_at",
    "site_name",
    "gate_name",
    "kiosk_name",
    "person_name",
    "person_id",
    "granted",
    "reason",
    "rule_name",
    "distance",
    "margin",
    "liveness",
    "model_name",
    "frames",
    "door__opened",
    "entry_hash",
    "gate__site__timezone",
)
# A cell a spreadsheet would run as a formula is written as text (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_rows(
    queryset: QuerySet[AccessEvent],
    *,
    on_batch: Callable[[int], object] | None = None,
    limit: int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The selection's rows in COLUMNS order, oldest first: plain values, the local time as a
    naive datetime. ``on_batch`` hears the number of rows produced so far after each batch."""
    last, produced = 0, 0
    while limit is None or produced < limit:
        size = BATCH if limit is None else min(BATCH, limit - produced)
        batch = list(
            queryset.filter(sequence__gt=last).order_by("sequence").values_list(*_READ)[:size]
        )
        if not batch:
            return
        for (
            sequence,
            occurred_at,
            site,
            gate,
            kiosk,
            person,
            person_id,
            granted,
            reason,
            rule,
            distance,
            margin,
            liveness,
            model,
            frames,
            door_opened,
            entry_hash,
            site_zone,
        ) in batch:
            zone = ZoneInfo(site_zone or settings.TIME_ZONE)  # ZoneInfo keeps each zone once
            yield (
                sequence,
                # UTC as ISO text (unambiguous); local time as a date a spreadsheet can sort.
                occurred_at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                occurred_at.astimezone(zone).replace(tzinfo=None),
                str(zone),
                _text(site),
                _text(gate),
                _text(kiosk),
                _text(person) or "unknown",
                person_id,
                "granted" if granted else "denied",
                reason,
                _text(rule),
                distance,
                margin,
                liveness,
                model,
                frames,
                door_outcome(granted=granted, opened=door_opened) or "",
                entry_hash,
            )
        produced += len(batch)
        last = batch[-1][0]
        if on_batch:
            on_batch(produced)


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else value


def csv_chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    """CSV text in chunks of rows, with a byte-order mark so spreadsheets read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADINGS)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(rows: Iterator[tuple[Any, ...]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        for chunk in csv_chunks(rows):
            handle.write(chunk)


XLSX_WIDTHS = {"occurred_at": 20, "local": 20, "zone": 16, "gate_name": 28, "person_name": 24}
TIME_FORMAT_XLSX = "yyyy-mm-dd hh:mm:ss"


def write_xlsx(rows: Iterator[tuple[Any, ...]], path: Path, *, title: str) -> None:
    """A write-only workbook: each row is written out as it is appended. Times are dates a
    spreadsheet can sort and filter (UTC, and the site's local time beside it), columns are
    wide enough to read, and the header row filters."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Access events")
    sheet.freeze_panes = "A2"
    for position, column in enumerate(COLUMNS, start=1):
        width = XLSX_WIDTHS.get(column.name, max(10, len(column.heading) + 2))
        sheet.column_dimensions[get_column_letter(position)].width = width
    bold = Font(bold=True)
    header = []
    for heading in HEADINGS:
        cell = WriteOnlyCell(sheet, heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    utc_at, local_at = _POSITION["occurred_at"], _POSITION["local"]
    count = 0
    for row in rows:
        cells = list(row)
        utc = dt.datetime.fromisoformat(cells[utc_at].replace("Z", "+00:00"))
        for position, value in ((utc_at, utc.replace(tzinfo=None)), (local_at, cells[local_at])):
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = TIME_FORMAT_XLSX
            cells[position] = cell
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    workbook.properties.title = title
    workbook.save(path)


def write_pdf(rows: Iterator[tuple[Any, ...]], path: Path, *, title: str, subtitle: str) -> None:
    """A landscape A4 table, page by page, with the selection and "page N of M" on each, and
    the totals (events, granted, denied) after the last row."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    width, height = landscape(A4)
    canvas = Canvas(str(path), pagesize=(width, height), pageCompression=1)
    canvas.setTitle(title)
    margin, line = 36, 12
    page = 0

    def new_page() -> float:
        nonlocal page
        page += 1
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(margin, height - margin, title)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, height - margin - 14, subtitle)
        # "of M" is a form drawn once the last page is known.
        label = f"Page {page} of "
        x = width - margin - 30 - canvas.stringWidth(label, "Helvetica", 8)
        canvas.drawString(x, margin / 2, label)
        canvas.saveState()
        canvas.translate(width - margin - 30, margin / 2)
        canvas.doForm("page-count")
        canvas.restoreState()
        y = height - margin - 36
        canvas.setFont("Helvetica-Bold", 8)
        x = margin
        for heading, _, column_width in PDF_COLUMNS:
            canvas.drawString(x, y, heading)
            x += column_width
        canvas.setFont("Helvetica", 8)
        return y - line

    def fit(text: str, column_width: float) -> str:
        while text and canvas.stringWidth(text, "Helvetica", 8) > column_width - 6:
            text = text[:-2] + "…"
        return text

    y = new_page()
    totals = {"granted": 0, "denied": 0}
    for row in rows:
        totals[row[_POSITION["decision"]]] += 1
        if y < margin:
            canvas.showPage()
            y = new_page()
        x = margin
        for _, index, column_width in PDF_COLUMNS:
            value = row[index]
            if isinstance(value, dt.datetime):  # the local time, with its zone's abbreviation
                zone = row[_POSITION["zone"]]
                text = f"{value:%Y-%m-%d %H:%M:%S} {zone_abbreviation(value, zone)}"
            else:
                text = str(value or "")
            canvas.drawString(x, y, fit(text, column_width))
            x += column_width
        y -= line
    if y < margin + line:
        canvas.showPage()
        y = new_page()
    canvas.setFont("Helvetica-Bold", 8)
    events = totals["granted"] + totals["denied"]
    canvas.drawString(
        margin,
        y - line / 2,
        f"{events} event{'s' if events != 1 else ''}: {totals['granted']} granted, "
        f"{totals['denied']} denied",
    )
    canvas.beginForm("page-count")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(0, 0, str(page))
    canvas.endForm()
    canvas.save()


def export_write(
    fmt: str,
    queryset: QuerySet[AccessEvent],
    path: Path,
    *,
    title: str,
    subtitle: str = "",
    on_batch: Callable[[int], object] | None = None,
) -> None:
    """Write the selection to ``path`` in ``fmt`` (csv, xlsx or pdf)."""
    limit = settings.REPORT_PDF_MAX_ROWS if fmt == "pdf" else None
    rows = export_rows(queryset, on_batch=on_batch, limit=limit)
    if fmt == "csv":
        write_csv(rows, path)
    elif fmt == "xlsx":
        write_xlsx(rows, path, title=title)
    elif fmt == "pdf":
        write_pdf(rows, path, title=title, subtitle=subtitle)
    else:
        raise ValueError(f"Unknown report format {fmt!r}; use csv, xlsx or pdf.")
