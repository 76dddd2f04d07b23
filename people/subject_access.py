"""Everything held about one person, as one ZIP a manager can hand over (a subject-access
request): their record, consents, photos (decrypted), embeddings, access rules, passages,
face snapshots and the change history about them. Making one is recorded in that history."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from auditlog.models import LogEntry
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from gates.models import AccessRule
from people.erasure import rows_about_person
from people.models import Person
from recognition.faces.crypto import embedding_decrypt
from recognition.models import AccessEvent, AccessSnapshot, FacePhoto
from recognition.reports.writers import csv_chunks, export_rows

README = """Everything {installation} holds about {name} (person #{pk}), made {made} UTC.

person.json          the person's record: names, numbers, groups, validity, notes
consents.json        each consent to the use of their face: the words agreed to, how, when,
                     and when it was withdrawn
face_photos.json     the face photos recognition uses, with what enrolment found, and each
                     embedding (the numbers the face was turned into, compared at the gates)
photos/              the photo files themselves: display.* for operators, face-<id>.* for
                     recognition
access_rules.json    the rules that name this person alone (group rules are in person.json's
                     groups)
access_events.csv    every passage at a gate recorded as theirs, oldest first
snapshots/           the face as the kiosk saw it, where a gate keeps snapshots, by event
change_history.json  when their record, photos, rules and consents were created, changed or
                     deleted, and which values changed (who made a change is left out: that is
                     data about the staff)
"""


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "employee_number": person.employee_number,
        "email": person.email,
        "groups": [group.name for group in person.groups.all()],
        "is_active": person.is_active,
        "valid_from": _when(person.valid_from),
        "valid_until": _when(person.valid_until),
        "notes": person.notes,
        "has_display_photo": bool(person.photo),
        "created_at": _when(person.created_at),
        "updated_at": _when(person.updated_at),
    }


def _consents(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "text": consent.text,
            "language": consent.language,
            "method": consent.get_method_display(),
            "reference": consent.reference,
            "given_at": _when(consent.given_at),
            "withdrawn_at": _when(consent.withdrawn_at),
        }
        for consent in person.consents.order_by("given_at", "id")
    ]


_IMAGE_STARTS = ((b"\xff\xd8", "jpg"), (b"\x89PNG", "png"), (b"GIF8", "gif"), (b"BM", "bmp"))


def _image_name(stem: str, content: bytes) -> str:
    """The file's name with the suffix its content calls for (stored names do not say)."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return f"{stem}.webp"
    suffix = next((s for start, s in _IMAGE_STARTS if content.startswith(start)), "bin")
    return f"{stem}.{suffix}"


def _face_photos(photos: list[FacePhoto], files: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": photo.pk,
            "file": files.get(photo.pk),
            "status": photo.status,
            "reason": photo.reason,
            "model": photo.model_name,
            "face_px": photo.face_px,
            "sharpness": photo.sharpness,
            "created_at": _when(photo.created_at),
            "embedding": (
                [round(float(v), 6) for v in embedding_decrypt(bytes(photo.embedding))]
                if photo.embedding
                else None
            ),
        }
        for photo in photos
    ]


def _rules(person: Person) -> list[dict[str, Any]]:
    rules = AccessRule.objects.filter(person=person).select_related(
        "gate", "gate_group", "schedule"
    )
    return [
        {
            "name": rule.name,
            "effect": rule.effect,
            "gate": str(rule.target),
            "schedule": str(rule.schedule) if rule.schedule else "always",
            "valid_from": _when(rule.valid_from),
            "valid_until": _when(rule.valid_until),
            "is_active": rule.is_active,
        }
        for rule in rules
    ]


def _history(person_id: int) -> list[dict[str, Any]]:
    entries = []
    for content_type, ids in rows_about_person(person_id).items():
        for entry in LogEntry.objects.filter(content_type=content_type, object_id__in=ids):
            entries.append(
                {
                    "at": _when(entry.timestamp),
                    "object": entry.object_repr,
                    "action": entry.get_action_display(),
                    "changes": entry.changes,
                }
            )
    return sorted(entries, key=lambda entry: entry["at"])


def _copy(file: FieldFile, archive: zipfile.ZipFile, stem: str) -> str:
    """The stored file, decrypted, into the archive; its name there."""
    with file.open("rb") as handle:
        content = handle.read()
    name = _image_name(stem, content)
    archive.writestr(name, content)
    return name


def _json(archive: zipfile.ZipFile, name: str, data: Any) -> None:
    archive.writestr(name, json.dumps(data, ensure_ascii=False, indent=2))


def _event_csv(person: Person) -> Iterator[str]:
    return csv_chunks(export_rows(AccessEvent.objects.filter(person_id=person.pk)))


def subject_access_export(*, person: Person, by: Any = None, installation: str) -> IO[bytes]:
    """The ZIP, in a temporary file read from the start. The export is recorded in the
    change history as an access to the person, by ``by``."""
    made = timezone.now()
    photos = list(person.face_photos.order_by("created_at", "id"))
    archive_file = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # noqa: SIM115 (returned)
    with zipfile.ZipFile(archive_file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(
                installation=installation,
                name=person.full_name,
                pk=person.pk,
                made=made.strftime("%Y-%m-%d %H:%M:%S"),
            ),
        )
        _json(archive, "person.json", _person(person))
        _json(archive, "consents.json", _consents(person))
        if person.photo:
            _copy(person.photo, archive, "photos/display")
        files = {
            photo.pk: _copy(photo.image, archive, f"photos/face-{photo.pk}") for photo in photos
        }
        _json(archive, "face_photos.json", _face_photos(photos, files))
        _json(archive, "access_rules.json", _rules(person))
        with archive.open("access_events.csv", "w") as events:
            for chunk in _event_csv(person):
                events.write(chunk.encode())
        snapshots = AccessSnapshot.objects.filter(person=person).select_related("event")
        for snapshot in snapshots.order_by("taken_at"):
            _copy(snapshot.image, archive, f"snapshots/event-{snapshot.event.sequence}")
        _json(archive, "change_history.json", _history(person.pk))
    LogEntry.objects.log_create(
        person,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by if getattr(by, "pk", None) else None,
        additional_data={"subject_access_export": True},
    )
    archive_file.seek(0)
    return archive_file
