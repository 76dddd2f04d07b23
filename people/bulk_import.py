"""People in bulk: a CSV or XLSX file, one person a row, and optionally their face photos in
a ZIP, named in the file's ``photo`` column. A dry run says what each row would do; the real
run does it in one transaction, all rows or none.

Columns (the first row names them; only ``first_name`` and ``last_name`` are required):
``first_name``, ``last_name``, ``employee_number``, ``badge_number``, ``email``, ``groups``
(names separated by ";", made when missing), ``valid_from`` and ``valid_until`` (YYYY-MM-DD),
``photo`` (a file name in the ZIP). A row whose employee number is already someone's updates
that person; any other row adds one. Face photos are stored only with a consent: the
importer states where the signed forms are kept, and each person with a photo gets that
consent recorded first (``people.consent``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.consent import consent_in_force, consent_record, consent_text_current
from people.models import Consent, Person, PersonGroup

COLUMNS = (
    "first_name",
    "last_name",
    "employee_number",
    "badge_number",
    "email",
    "groups",
    "valid_from",
    "valid_until",
    "photo",
)
PERSON_FIELDS = ("first_name", "last_name", "employee_number", "badge_number", "email")
MAX_ROWS = 5000


class ImportRefused(ValueError):
    """The file as a whole cannot be read; the message says why."""


ACTION_LABELS = {
    "add": gettext_lazy("add"),
    "update": gettext_lazy("update"),
    "error": gettext_lazy("error"),
}


@dataclass
class RowOutcome:
    line: int  # in the file, the header being line 1
    name: str
    action: str  # "add", "update" or "error"
    errors: list[str] = field(default_factory=list)
    photo: str = ""

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


@dataclass
class ImportReport:
    rows: list[RowOutcome]
    applied: bool

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.action == "error")

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def count_add(self) -> int:
        return self.count("add")

    @property
    def count_update(self) -> int:
        return self.count("update")


def _rows_csv(data: bytes) -> Iterator[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(_("The CSV file is not UTF-8 text.")) from error
    yield from csv.DictReader(io.StringIO(text))


def _rows_xlsx(data: bytes) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportRefused(_("This is not an XLSX workbook that can be read.")) from error
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        yield {
            name: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else str(v or "")).strip()
            for name, v in zip(header, values, strict=False)
        }


def _readers() -> dict[str, Callable[[bytes], Iterator[dict[str, str]]]]:
    return {"csv": _rows_csv, "xlsx": _rows_xlsx}


def _field_label(name: str) -> str:
    """A person's field as the operator reads it (their language), for a row's errors."""
    if name == "__all__":
        return ""
    return str(getattr(Person._meta.get_field(name), "verbose_name", name))


def _day(text: str, label: str, errors: list[str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        errors.append(
            _("%(label)s: '%(text)s' is not a date (YYYY-MM-DD).") % {"label": label, "text": text}
        )
        return None


def people_import(
    *,
    data: bytes,
    kind: str,
    photos: bytes | None = None,
    consent_reference: str = "",
    apply: bool,
    by: Any = None,
    store_photo: Callable[..., Any] | None = None,
) -> ImportReport:
    """Read the file and check every row; with ``apply``, and no row in error, make the
    changes (all of them, in one transaction). ``store_photo(person=, image=)`` stores a face
    photo and queues its enrolment (``recognition.faces.enrolment.face_photo_create``)."""
    if kind not in _readers():
        raise ImportRefused(_("Send a .csv or an .xlsx file."))
    archive = None
    if photos:
        try:
            archive = zipfile.ZipFile(io.BytesIO(photos))
        except zipfile.BadZipFile as error:
            raise ImportRefused(_("The photos are not a ZIP file.")) from error
    rows = list(_readers()[kind](data))
    if not rows:
        raise ImportRefused(_("The file has no rows under its header."))
    if len(rows) > MAX_ROWS:
        raise ImportRefused(_("At most %(rows)s people in one file.") % {"rows": MAX_ROWS})
    missing = {"first_name", "last_name"} - set(rows[0])
    if missing:
        raise ImportRefused(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(sorted(missing))}
        )
    if archive is not None and consent_text_current() is None:
        raise ImportRefused(
            _(
                "There is no consent text to record with the photos. Write one first (admin → "
                "People → Consent texts)."
            )
        )
    outcomes: list[RowOutcome] = []
    plans: list[tuple[Person, list[str], str]] = []
    seen_numbers: set[str] = set()
    names = set(archive.namelist()) if archive else set()
    for line, row in enumerate(rows, start=2):
        values = {name: (row.get(name) or "").strip() for name in COLUMNS}
        errors: list[str] = []
        number = values["employee_number"]
        person = Person.objects.filter(employee_number=number).first() if number else None
        if number and number in seen_numbers:
            errors.append(_("Employee number %(number)s is on two rows.") % {"number": number})
        if number:
            seen_numbers.add(number)
        person = person or Person()
        for name in PERSON_FIELDS:
            setattr(person, name, values[name])
        person.valid_from = _day(values["valid_from"], str(_("valid from")), errors)
        person.valid_until = _day(values["valid_until"], str(_("valid until")), errors)
        try:
            person.full_clean()
        except ValidationError as invalid:
            errors += [f"{_field_label(k)}: {' '.join(v)}" for k, v in invalid.message_dict.items()]
        photo = values["photo"]
        if photo and archive is None:
            errors.append(_("Photo %(file)s: no ZIP of photos was sent.") % {"file": photo})
        elif photo and photo not in names:
            errors.append(_("Photo %(file)s: not in the ZIP.") % {"file": photo})
        elif photo and not consent_reference and not (person.pk and consent_in_force(person)):
            errors.append(_("A photo needs a consent: say where the signed forms are kept."))
        groups = [g.strip() for g in values["groups"].split(";") if g.strip()]
        outcomes.append(
            RowOutcome(
                line=line,
                name=f"{values['first_name']} {values['last_name']}".strip(),
                action="error" if errors else ("update" if person.pk else "add"),
                errors=errors,
                photo=photo,
            )
        )
        plans.append((person, groups, photo))
    report = ImportReport(outcomes, applied=False)
    if not apply or report.errors:
        return report
    with transaction.atomic():
        for person, groups, photo in plans:
            _apply(person, groups, photo, archive, consent_reference, by, store_photo)
    report.applied = True
    return report


def _apply(
    person: Person,
    groups: list[str],
    photo: str,
    archive: zipfile.ZipFile | None,
    consent_reference: str,
    by: Any,
    store_photo: Callable[..., Any] | None,
) -> None:
    person.save()
    for name in groups:
        group = PersonGroup.objects.filter(name=name).first() or PersonGroup.objects.create(
            name=name, slug=slugify(name)[:120] or f"group-{PersonGroup.objects.count() + 1}"
        )
        person.groups.add(group)
    if photo and archive is not None and store_photo is not None:
        if consent_in_force(person) is None:
            consent_record(
                person=person,
                method=Consent.Method.SIGNED_FORM,
                by=by,
                reference=consent_reference,
            )
        store_photo(person=person, image=ContentFile(archive.read(photo), name=photo))
