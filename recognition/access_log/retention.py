"""Access events deleted after their site's retention period, the chain kept verifiable.

A site's ``access_log_retention_days`` says how long the events of its gates are kept (empty:
for ever). Pruning deletes an old event's facts, its door result and its snapshot, and keeps
its place in the chain as a :class:`PrunedAccessEvent` (sequence and hash only), so that the
events after it still verify. Each run signs an anchor of the head that also names what it
pruned (how many, up to which sequence, the digest of their sequence and hash pairs): pruning
is the one deletion the log allows, and it cannot be faked or widened without the signing key.
Events of gates deleted since keep no site and are kept.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone

from gates.models import Site
from recognition.access_log.anchors import audit_anchor_create
from recognition.access_log.chain import locked_head
from recognition.models import AccessEvent, AccessSnapshot, DoorActuation, PrunedAccessEvent

BATCH = 5000


def access_events_prune(*, now: dt.datetime | None = None) -> int:
    """Prune every site's events past its retention period; returns how many were pruned."""
    now = now or timezone.now()
    pruned = 0
    for site in Site.objects.exclude(access_log_retention_days=None):
        gate_ids = list(site.gates.values_list("pk", flat=True))
        cutoff = now - dt.timedelta(days=site.access_log_retention_days or 0)
        while done := _prune_batch(gate_ids, cutoff):
            pruned += done
    return pruned


def _prune_batch(gate_ids: list[int], cutoff: dt.datetime) -> int:
    with transaction.atomic():
        head = locked_head()
        rows = list(
            AccessEvent.objects.filter(gate_id__in=gate_ids, occurred_at__lt=cutoff)
            .order_by("sequence")
            .values_list("pk", "sequence", "entry_hash")[:BATCH]
        )
        if not rows:
            return 0
        pairs = [(sequence, entry_hash) for _, sequence, entry_hash in rows]
        anchor = audit_anchor_create(
            sequence=head.sequence, entry_hash=head.entry_hash, pruned=pairs
        )
        PrunedAccessEvent.objects.bulk_create(
            PrunedAccessEvent(sequence=sequence, entry_hash=entry_hash, anchor=anchor)
            for sequence, entry_hash in pairs
        )
        ids = [pk for pk, _, _ in rows]
        # Snapshots one by one, so that django-cleanup deletes their files after the commit.
        for snapshot in AccessSnapshot.objects.filter(event_id__in=ids):
            snapshot.delete()
        # The log's own tables refuse deletion through their managers: this is the one way.
        models.QuerySet(DoorActuation).filter(event_id__in=ids).delete()
        models.QuerySet(AccessEvent).filter(pk__in=ids).delete()
    return len(rows)
