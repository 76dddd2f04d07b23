"""Access events pruned after their site's retention period: their facts, door results and
snapshots go, their place in the chain stays under a signed anchor, and the chain verifies."""

import datetime as dt
import json
import os

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from recognition.access_log.chain import audit_chain_verify, door_actuation_record
from recognition.access_log.retention import access_events_prune
from recognition.models import (
    AccessEvent,
    AccessSnapshot,
    AuditAnchor,
    DoorActuation,
    PrunedAccessEvent,
)
from tests.access_log.test_anchors import verify
from tests.factories import GateFactory, PersonFactory, SiteFactory, access_event

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"


@pytest.fixture
def log():
    """GIVEN a site keeping 30 days and one keeping everything, with events 40 and 5 days old,
    interleaved in the chain, one old one with a door result and a snapshot."""
    short = SiteFactory(access_log_retention_days=30)
    forever = SiteFactory()
    short_gate, forever_gate = GateFactory(site=short), GateFactory(site=forever)
    ada = PersonFactory()
    made = {}
    for name, gate, days in (
        ("short_old_1", short_gate, 40),
        ("forever_old", forever_gate, 40),
        ("short_old_2", short_gate, 35),
        ("short_new", short_gate, 5),
        ("forever_new", forever_gate, 5),
    ):
        made[name] = access_event(gate=gate, person=ada, at=NOW - dt.timedelta(days=days))
    old = made["short_old_2"]
    door_actuation_record(event=old, opened=True, detail="logged", at=old.occurred_at)
    made["snapshot"] = AccessSnapshot.objects.create(
        event=old,
        person=ada,
        image=ContentFile(b"jpeg bytes", name="face.jpg"),
        taken_at=old.occurred_at,
        delete_after=NOW + dt.timedelta(days=300),
    )
    return made


def test_old_events_of_a_site_with_retention_are_pruned_and_the_chain_still_verifies(
    log, django_capture_on_commit_callbacks
):
    snapshot_path = log["snapshot"].image.path
    with django_capture_on_commit_callbacks(execute=True):
        assert access_events_prune(now=NOW) == 2
    kept = set(AccessEvent.objects.values_list("sequence", flat=True))
    assert kept == {log[n].sequence for n in ("forever_old", "short_new", "forever_new")}
    assert list(PrunedAccessEvent.objects.values_list("sequence", "entry_hash")) == [
        (log["short_old_1"].sequence, log["short_old_1"].entry_hash),
        (log["short_old_2"].sequence, log["short_old_2"].entry_hash),
    ]
    assert not DoorActuation.objects.exists() and not AccessSnapshot.objects.exists()

    assert not os.path.exists(snapshot_path)  # the face file went after the commit
    anchor = AuditAnchor.objects.get()
    statement = json.loads(anchor.statement)
    assert statement["pruned"]["count"] == 2
    assert statement["pruned"]["up_to"] == log["short_old_2"].sequence
    assert statement["sequence"] == log["forever_new"].sequence  # the head, signed

    report = audit_chain_verify()
    assert report.ok and report.events == 3 and report.anchors == 1, report
    assert verify()[0] == 0
    assert access_events_prune(now=NOW) == 0  # nothing more to do
    assert AuditAnchor.objects.count() == 1


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_pruned_event_changed_afterwards_is_caught(log):
    access_events_prune(now=NOW)
    raw(
        "UPDATE recognition_prunedaccessevent SET entry_hash = %s WHERE sequence = %s",
        "f" * 64,
        log["short_old_1"].sequence,
    )
    code, message = verify()
    assert code == 1 and f"event {log['short_old_1'].sequence + 1}" in message


def test_an_event_deleted_and_passed_off_as_pruned_is_caught(log):
    """Someone with the database deletes an event they want gone and leaves a stub in its
    place, naming the real pruning anchor: the anchor's signed digest does not cover it."""
    access_events_prune(now=NOW)
    victim = log["forever_old"]
    anchor = AuditAnchor.objects.get()
    raw("DELETE FROM recognition_accessevent WHERE id = %s", victim.pk)
    raw(
        "INSERT INTO recognition_prunedaccessevent (sequence, entry_hash, anchor_id) "
        "VALUES (%s, %s, %s)",
        victim.sequence,
        victim.entry_hash,
        anchor.pk,
    )
    code, message = verify()
    assert code == 1 and "are not the ones it signed (3 found, 2 signed)" in message


def test_events_of_a_site_without_retention_or_a_deleted_gate_are_kept(db):
    gate = GateFactory(site=SiteFactory(access_log_retention_days=1))
    access_event(gate=gate, at=NOW - dt.timedelta(days=400))
    gate.access_rules.all().delete()
    gate.delete()
    assert access_events_prune(now=NOW) == 0
    assert AccessEvent.objects.count() == 1 and audit_chain_verify().ok
