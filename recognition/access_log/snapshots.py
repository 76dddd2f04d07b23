"""Face snapshots kept beside access events, where the gate keeps them, and their deletion."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from gates.models import Gate
from people.models import Person
from recognition.models import AccessEvent, AccessSnapshot


def access_snapshot_keep(
    *, event: AccessEvent, person: Person | None, jpeg: bytes, gate: Gate
) -> AccessSnapshot:
    return AccessSnapshot.objects.create(
        event=event,
        person=person,
        image=ContentFile(jpeg, name="face.jpg"),
        taken_at=event.occurred_at,
        delete_after=event.occurred_at + dt.timedelta(days=gate.snapshot_retention_days),
    )


def access_snapshots_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the face snapshots past their gate's retention period, files included."""
    # django-cleanup deletes each file once the rows' deletion commits.
    _, deleted = AccessSnapshot.objects.filter(delete_after__lte=now or timezone.now()).delete()
    return deleted.get(AccessSnapshot._meta.label, 0)
