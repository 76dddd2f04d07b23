"""Erasing a person: their row and everything that hangs on it go, and the change history
keeps the fact of each change (what kind of object, which id, action, when, by whom, which
fields) with every value about them redacted.

The access log is not rewritten: its events are hash-chained and carry the name as it was at
the passage; they go with the site's retention period (pruned links keep no names)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from people.models import Person

ERASED = "[erased]"

# Rows that name the person, by the field that holds the person's id.
_HANGING_ON_PERSON: tuple[tuple[str, str], ...] = (
    ("recognition.FacePhoto", "person"),
    ("gates.AccessRule", "person"),
    ("people.Consent", "person"),
)


def _model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


def _ids_in_history(content_type: ContentType, field: str, person_id: int) -> set[int]:
    """Ids of rows of this kind whose recorded changes ever named the person (rows deleted
    earlier included: the history still holds their values)."""
    wanted = str(person_id)
    found = set()
    entries = LogEntry.objects.filter(content_type=content_type).values_list("object_id", "changes")
    for object_id, changes in entries.iterator():
        values = (changes or {}).get(field)
        if isinstance(values, list) and wanted in (str(value) for value in values):
            found.add(object_id)
    return found


def rows_about_person(person_id: int) -> dict[ContentType, set[int]]:
    """The person's row and the rows that name them (face photos, own rules, consents), held
    now or only remembered by the change history, by kind."""
    about = {ContentType.objects.get_for_model(Person): {person_id}}
    for label, field in _HANGING_ON_PERSON:
        model = _model(label)
        content_type = ContentType.objects.get_for_model(model)
        held = model._default_manager.filter(**{field: person_id}).values_list("pk", flat=True)
        about[content_type] = set(held) | _ids_in_history(content_type, field, person_id)
    return about


def _redacted_changes(changes: dict[str, Any] | None) -> dict[str, Any] | None:
    if not changes:
        return changes
    redacted: dict[str, Any] = {}
    for field, value in changes.items():
        if isinstance(value, dict):  # a many-to-many change: which objects were added/removed
            redacted[field] = {**value, "objects": [ERASED for _ in value.get("objects", [])]}
        else:
            redacted[field] = [ERASED for _ in value] if isinstance(value, list) else ERASED
    return redacted


def _redacted_admin_message(message: str) -> str:
    """Django's admin log names added or changed inline objects (``"object": "Face photo 3
    of Ada Lovelace"``); the field names stay, the names go."""
    try:
        parts = json.loads(message)
    except (TypeError, ValueError):
        return ERASED if message else message
    for part in parts if isinstance(parts, list) else []:
        for action in part.values():
            if isinstance(action, dict) and "object" in action:
                action["object"] = ERASED
    return json.dumps(parts)


def history_redact(*, content_type: ContentType, object_ids: Iterable[int]) -> int:
    """Redact the values of these objects' change history (ours and the admin's own log).
    Returns how many entries of ours were redacted."""
    ids = sorted(set(object_ids))
    if not ids:
        return 0
    label = f"{content_type.model_class()._meta.verbose_name} #{{}} (erased)"  # type: ignore[union-attr]
    count = 0
    for entry in LogEntry.objects.filter(content_type=content_type, object_id__in=ids):
        entry.object_repr = label.format(entry.object_id)
        entry.changes = _redacted_changes(entry.changes)
        entry.changes_text = ""
        entry.serialized_data = None
        entry.additional_data = {**(entry.additional_data or {}), "erased": True}
        entry.save(
            update_fields=[
                "object_repr",
                "changes",
                "changes_text",
                "serialized_data",
                "additional_data",
            ]
        )
        count += 1
    admin_entries = AdminLogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(i) for i in ids]
    )
    for admin_entry in admin_entries:
        admin_entry.object_repr = label.format(admin_entry.object_id)
        admin_entry.change_message = _redacted_admin_message(admin_entry.change_message)
        admin_entry.save(update_fields=["object_repr", "change_message"])
    return count


@transaction.atomic
def person_erase(*, person: Person) -> int:
    """Delete the person (face photos, snapshots, consents, their own rules with them) and
    redact every change-history entry about them or those rows. Returns how many entries were
    redacted. The deletion itself stays in the history, as an entry with no values."""
    about = rows_about_person(person.pk)
    person.delete()
    return sum(
        history_redact(content_type=content_type, object_ids=ids)
        for content_type, ids in about.items()
    )
