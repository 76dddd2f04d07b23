"""The access log's hash chain: appending events and verifying the chain.

Each access event's ``entry_hash`` is the SHA-256 of the previous event's hash and this
event's recorded facts in a canonical form (:func:`event_facts`). ``sequence`` numbers the
events 1, 2, 3... without gaps, and one head row holds the last sequence and hash. A writer
locks the head before it appends, so processes writing at once take turns and the chain stays
whole (PostgreSQL: a row lock; SQLite: the settings open IMMEDIATE transactions, which take the
database's write lock up front).

Door events (``DoorEvent``: a sensor's reports, alarms, remote unlocks and lockdowns) take
their place in the same sequence and chain; their facts (``DOOR_CHAINED_FIELDS``) are hashed
after the word "door", so that no door event's facts can pass for an access event's.

Changing a field breaks that event's hash; deleting an event leaves a gap in the sequence (or,
for the last one, a chain that stops short of the head); inserting one breaks the link of the
event after it, or runs past the head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from recognition.access_log.anchors import anchors_verify
from recognition.models import (
    AccessEvent,
    AuditChainHead,
    DoorActuation,
    DoorEvent,
    PrunedAccessEvent,
)

GENESIS_HASH = "0" * 64
HEAD_ID = 1

# The facts an event's hash covers, in this order. Ids of kiosk, gate, person and rule are
# kept as recorded even when those rows are deleted (the names are copied beside them).
CHAINED_FIELDS = (
    "sequence",
    "occurred_at",
    "kiosk_id",
    "kiosk_name",
    "gate_id",
    "gate_name",
    "site_name",
    "person_id",
    "person_name",
    "granted",
    "reason",
    "rule_id",
    "rule_name",
    "distance",
    "margin",
    "liveness",
    "model_name",
    "frames",
    "snapshot_sha256",
)
DOOR_CHAINED_FIELDS = (
    "sequence",
    "occurred_at",
    "gate_id",
    "gate_name",
    "site_name",
    "kind",
    "operator_id",
    "operator_name",
    "until",
    "detail",
)
FLOAT_FIELDS = ("distance", "margin", "liveness")
FLOAT_DIGITS = 6  # evidence is stored rounded, so the database gives back what was hashed


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, str):
        return str(value)  # a reason code's enum member hashes as its stored text
    return value


def event_facts(values: dict[str, Any], fields: tuple[str, ...] = CHAINED_FIELDS) -> bytes:
    """The canonical bytes of an event's chained facts."""
    return json.dumps(
        [_canonical(values[name]) for name in fields],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def event_hash(previous_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + event_facts(values)).hexdigest()


def door_event_hash(previous_hash: str, values: dict[str, Any]) -> str:
    facts = event_facts(values, DOOR_CHAINED_FIELDS)
    return hashlib.sha256(previous_hash.encode() + b"\ndoor\n" + facts).hexdigest()


def door_digest(*, event_hash: str, opened: bool, detail: str, recorded_at: dt.datetime) -> str:
    facts = json.dumps([event_hash, opened, detail, _canonical(recorded_at)], separators=(",", ":"))
    return hashlib.sha256(facts.encode()).hexdigest()


def locked_head() -> AuditChainHead:
    """The chain's head, locked until the transaction ends (call inside one)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:  # a database emptied by hand (the migration creates the head)
        head = AuditChainHead.objects.create(pk=HEAD_ID, sequence=0, entry_hash=GENESIS_HASH)
    return head


def _linked(sequence: int, previous_hash: str, facts: dict[str, Any]) -> AccessEvent:
    """An unsaved event with its place and hash in the chain. Evidence is rounded and times
    made UTC first, so that the database gives back exactly what was hashed."""
    facts = dict(facts)
    for name in FLOAT_FIELDS:
        if facts.get(name) is not None:
            facts[name] = round(float(facts[name]), FLOAT_DIGITS)
    facts["occurred_at"] = facts["occurred_at"].astimezone(dt.UTC)
    event = AccessEvent(sequence=sequence, **facts)
    event.entry_hash = event_hash(
        previous_hash, {name: getattr(event, name) for name in CHAINED_FIELDS}
    )
    return event


def event_place(*, kiosk: Any, gate: Any, person: Any) -> dict[str, Any]:
    """Where an access event happened and whom it names, with the names copied beside the
    rows (they stay readable when the rows are deleted)."""
    return {
        "kiosk": kiosk,
        "kiosk_name": kiosk.name,
        "gate": gate,
        "gate_name": str(gate),
        "site_name": gate.site.name if gate.site_id else "",
        "person": person,
        "person_name": str(person) if person else "",
    }


def access_event_append(**facts: Any) -> AccessEvent:
    """Append one event to the chain (in the caller's transaction, if any) and return it.

    ``facts`` are AccessEvent's fields except ``sequence`` and ``entry_hash``; FKs may be given
    as objects (``person=...``) or ids (``person_id=...``)."""
    with transaction.atomic():
        head = locked_head()
        event = _linked(head.sequence + 1, head.entry_hash, facts)
        event.save()
        AuditChainHead.objects.filter(pk=HEAD_ID).update(
            sequence=event.sequence, entry_hash=event.entry_hash
        )
    return event


def door_event_append(**facts: Any) -> DoorEvent:
    """Append one door event to the chain (in the caller's transaction, if any): DoorEvent's
    fields except ``sequence`` and ``entry_hash``."""
    with transaction.atomic():
        head = locked_head()
        event = DoorEvent(sequence=head.sequence + 1, **facts)
        event.occurred_at = event.occurred_at.astimezone(dt.UTC)
        if event.until is not None:
            event.until = event.until.astimezone(dt.UTC)
        event.entry_hash = door_event_hash(
            head.entry_hash, {name: getattr(event, name) for name in DOOR_CHAINED_FIELDS}
        )
        event.save()
        AuditChainHead.objects.filter(pk=HEAD_ID).update(
            sequence=event.sequence, entry_hash=event.entry_hash
        )
    return event


def access_events_append_many(facts: Iterable[dict[str, Any]], *, batch: int = 5000) -> int:
    """Append many events in one transaction (imports from another system, benchmarks): the
    same chain as one by one, inserted in batches. Returns how many were appended."""
    appended = 0
    with transaction.atomic():
        head = locked_head()
        sequence, previous = head.sequence, head.entry_hash
        pending: list[AccessEvent] = []
        for one in facts:
            sequence += 1
            event = _linked(sequence, previous, one)
            previous = event.entry_hash
            pending.append(event)
            if len(pending) >= batch:
                AccessEvent.objects.bulk_create(pending)
                appended, pending = appended + len(pending), []
        AccessEvent.objects.bulk_create(pending)
        appended += len(pending)
        AuditChainHead.objects.filter(pk=HEAD_ID).update(sequence=sequence, entry_hash=previous)
    return appended


def door_actuation_record(*, event: AccessEvent, opened: bool, detail: str, at) -> DoorActuation:
    detail = detail[:250]
    return DoorActuation.objects.create(
        event=event,
        opened=opened,
        detail=detail,
        recorded_at=at,
        digest=door_digest(
            event_hash=event.entry_hash, opened=opened, detail=detail, recorded_at=at
        ),
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int  # events checked
    doors: int  # door results checked
    head_sequence: int
    first_bad_sequence: int | None = None
    first_bad_id: int | None = None
    problem: str = ""
    anchors: int = 0  # signed anchors checked
    pruned: int = 0  # events pruned after their retention period, their links checked

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


Hasher = Callable[[str, dict[str, Any]], str]


def _events(batch: int, after: int) -> Iterator[tuple[int | None, str, dict[str, Any], Hasher]]:
    """(id, stored hash, chained facts, how they are hashed) of the entries after sequence
    ``after`` (access events and door events), by sequence, read in keyset-paginated batches
    (steady memory at any size). An event pruned after its retention period comes as (None,
    its hash, {"sequence": ...}): its facts are gone."""
    access = _keyset(
        AccessEvent.objects.values_list("sequence", "id", "entry_hash", *CHAINED_FIELDS),
        batch,
        after,
    )
    doors = _keyset(
        DoorEvent.objects.values_list("sequence", "id", "entry_hash", *DOOR_CHAINED_FIELDS),
        batch,
        after,
    )
    pruned = _keyset(PrunedAccessEvent.objects.values_list("sequence", "entry_hash"), batch, after)
    streams = (
        ((row, CHAINED_FIELDS, event_hash) for row in access),
        ((row, DOOR_CHAINED_FIELDS, door_event_hash) for row in doors),
        ((row, (), event_hash) for row in pruned),
    )
    for row, fields, hasher in heapq.merge(*streams, key=lambda entry: entry[0][0]):
        if not fields:
            yield None, row[1], {"sequence": row[0]}, hasher
        else:
            yield row[1], row[2], dict(zip(fields, row[3:], strict=True)), hasher


def _keyset(rows: QuerySet[Any, Any], batch: int, after: int) -> Iterator[tuple]:
    last = after
    while True:
        page = list(rows.filter(sequence__gt=last).order_by("sequence")[:batch])
        if not page:
            return
        yield from page
        last = page[-1][0]


def audit_chain_verify(*, batch: int = 5000, anchor_file: Path | None = None) -> ChainReport:
    """Walk the chain from the first event and report the first one that does not match, then
    check it against every signed anchor (the database's, and ``anchor_file``'s).

    Kiosks may go on writing meanwhile: the walk ends when it has reached the head as it is
    after the walk (events appended during it are walked too). Pruned events are links whose
    facts are gone: their hash is taken as stored, and the signed anchor that pruned them
    vouches for it."""
    previous_hash, expected, checked = GENESIS_HASH, 1, 0
    head_sequence, walked_to = 0, None  # walked_to: the head a whole walk started after
    pruned = 0  # links whose event was pruned: their hash is taken as stored

    def bad(sequence: int | None, pk: int | None, problem: str) -> ChainReport:
        return ChainReport(False, checked, 0, head_sequence, sequence, pk, problem)

    while True:
        for pk, stored_hash, values, hasher in _events(batch, after=expected - 1):
            sequence = values["sequence"]
            if sequence != expected:
                return bad(
                    sequence,
                    pk,
                    f"event {sequence} follows event {expected - 1}: "
                    f"event{'s' if sequence - expected > 1 else ''} {expected}"
                    f"{f'..{sequence - 1}' if sequence - expected > 1 else ''} "
                    "missing (deleted)",
                )
            if pk is not None and hasher(previous_hash, values) != stored_hash:
                return bad(
                    sequence,
                    pk,
                    f"event {sequence} (id {pk}) does not match its hash: a field was changed, "
                    "or it was inserted out of order",
                )
            previous_hash = stored_hash
            expected += 1
            if pk is None:
                pruned += 1
            else:
                checked += 1
        head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
        head_sequence = head.sequence if head else 0
        head_hash = head.entry_hash if head else GENESIS_HASH
        last_sequence = expected - 1
        if last_sequence < head_sequence and head_sequence != walked_to:
            # Appended while we walked (the head moves in the same transaction as its event):
            # walk again; still short after a walk that began after this head means deleted.
            walked_to = head_sequence
            continue
        break
    if last_sequence < head_sequence:
        return bad(
            last_sequence + 1,
            None,
            f"the chain stops at event {last_sequence} but the head says {head_sequence}: "
            "the last event(s) were deleted",
        )
    if last_sequence > head_sequence or previous_hash != head_hash:
        first = min(head_sequence + 1, last_sequence)
        return bad(
            first,
            AccessEvent.objects.filter(sequence=first).values_list("pk", flat=True).first(),
            f"event {first} is past the head ({head_sequence}) or differs from it: "
            "appended outside the application",
        )
    doors, door_problem = _doors_verify(batch=batch)
    if door_problem:
        return ChainReport(False, checked, doors, head_sequence, None, None, door_problem)
    anchors, anchor_problem = anchors_verify(head_sequence=head_sequence, anchor_file=anchor_file)
    if anchor_problem:
        return ChainReport(
            False, checked, doors, head_sequence, None, None, anchor_problem, anchors
        )
    return ChainReport(True, checked, doors, head_sequence, anchors=anchors, pruned=pruned)


def _doors_verify(*, batch: int) -> tuple[int, str]:
    """Each door result matches its digest and belongs to an event of the chain: the number
    checked, and the first problem found."""
    checked, last = 0, 0
    while True:
        rows = list(
            DoorActuation.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "event_id", "opened", "detail", "recorded_at", "digest")[:batch]
        )
        if not rows:
            return checked, ""
        event_hashes = dict(
            AccessEvent.objects.filter(pk__in=[r[1] for r in rows]).values_list("pk", "entry_hash")
        )
        for pk, event_id, opened, detail, recorded_at, digest in rows:
            if event_id not in event_hashes or digest != door_digest(
                event_hash=event_hashes[event_id],
                opened=opened,
                detail=detail,
                recorded_at=recorded_at,
            ):
                return checked, (
                    f"the door result {pk} of event id {event_id} does not match its digest"
                )
            checked += 1
        last = rows[-1][0]
