"""The access log is append-only and hash-chained; audit_verify finds what was done to it."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from recognition.access_log.chain import audit_chain_verify, door_actuation_record
from recognition.models import AccessEvent, AppendOnlyError, AuditChainHead, DoorActuation
from tests.factories import GateFactory, PersonFactory, access_event
from tests.processes import process_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def events(db):
    gate, person = GateFactory(), PersonFactory()
    made = [access_event(gate=gate, person=person) for _ in range(5)]
    made.append(access_event(gate=gate, granted=False, reason="unknown_face"))
    return made


def raw(sql: str, *params) -> None:
    """What someone with the database file could do, bypassing the application."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:
        return 1, str(error)
    return 0, out.getvalue()


def test_an_untouched_log_verifies(events):
    door_actuation_record(event=events[0], opened=True, detail="logged", at=events[0].occurred_at)
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5, 6]
    report = audit_chain_verify(batch=2)  # crosses batch boundaries
    assert report.ok and report.events == 6 and report.doors == 1
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.entry_hash) == (6, events[-1].entry_hash)
    code, output = verify()
    assert code == 0 and "6 events" in output


def test_an_empty_log_verifies(db):
    assert audit_chain_verify().ok


@pytest.mark.parametrize(
    ("column", "value"),
    [("granted", False), ("reason", "no_rule"), ("person_name", "Someone Else"), ("distance", 0.1)],
)
def test_a_changed_field_is_caught_at_that_event(events, column, value):
    target = events[2]
    raw(f"UPDATE recognition_accessevent SET {column} = %s WHERE id = %s", value, target.pk)  # noqa: S608
    code, message = verify()
    assert code == 1
    assert f"event {target.sequence} (id {target.pk})" in message


def test_a_changed_time_is_caught(events):
    AccessEvent.objects.filter(pk=events[1].pk).values("occurred_at")  # readable, of course
    raw(
        "UPDATE recognition_accessevent SET occurred_at = %s WHERE id = %s",
        "2020-01-01 00:00:00",
        events[1].pk,
    )
    assert audit_chain_verify().first_bad_sequence == events[1].sequence


def test_a_deleted_event_is_caught_at_the_gap(events):
    raw("DELETE FROM recognition_accessevent WHERE id = %s", events[3].pk)
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_sequence == events[4].sequence
    assert f"{events[3].sequence}" in report.problem and "missing" in report.problem
    code, message = verify()
    assert code == 1 and "missing" in message


def test_deleting_the_last_event_is_caught(events):
    raw("DELETE FROM recognition_accessevent WHERE id = %s", events[-1].pk)
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_sequence == events[-1].sequence
    assert "deleted" in report.problem


def test_an_event_inserted_in_the_middle_is_caught(events):
    # Renumber the tail to make room, then slip a forged grant in after event 2.
    raw("UPDATE recognition_accessevent SET sequence = sequence + 100 WHERE sequence > 2")
    raw("UPDATE recognition_accessevent SET sequence = sequence - 99 WHERE sequence > 100")
    raw(
        "INSERT INTO recognition_accessevent (sequence, entry_hash, occurred_at, kiosk_name, "
        "gate_name, site_name, person_name, granted, reason, rule_name, model_name, frames, "
        "snapshot_sha256, offline_id) VALUES (3, %s, %s, 'Tablet', 'Main', '', 'Mallory', %s, "
        "'granted', '', '', 2, '', '')",
        events[2].entry_hash,
        events[2].occurred_at,
        True,
    )
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_sequence == 3
    assert report.first_bad_id not in {e.pk for e in events}


def test_an_event_appended_behind_the_applications_back_is_caught(events):
    raw(
        "INSERT INTO recognition_accessevent (sequence, entry_hash, occurred_at, kiosk_name, "
        "gate_name, site_name, person_name, granted, reason, rule_name, model_name, frames, "
        "snapshot_sha256, offline_id) VALUES (7, %s, %s, 'Tablet', 'Main', '', 'Mallory', %s, "
        "'granted', '', '', 2, '', '')",
        "f" * 64,
        events[-1].occurred_at,
        True,
    )
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_sequence == 7


def test_a_changed_door_result_is_caught(events):
    door = door_actuation_record(
        event=events[0], opened=False, detail="HTTP 500", at=events[0].occurred_at
    )
    raw("UPDATE recognition_dooractuation SET opened = %s WHERE id = %s", True, door.pk)
    report = audit_chain_verify()
    assert not report.ok and "door result" in report.problem
    assert verify()[0] == 1


def test_the_model_layer_refuses_changes_and_deletions(events):
    event = AccessEvent.objects.get(pk=events[0].pk)
    event.granted = False
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.filter(pk=event.pk).update(granted=False)
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AccessEvent.objects.bulk_update([event], ["granted"])
    door = door_actuation_record(event=event, opened=True, detail="", at=event.occurred_at)
    with pytest.raises(AppendOnlyError):
        DoorActuation.objects.filter(pk=door.pk).delete()
    assert audit_chain_verify().ok


def test_deleting_a_person_keeps_the_event_and_its_chain(events):
    person_id = events[0].person_id
    events[0].person.delete()
    event = AccessEvent.objects.get(pk=events[0].pk)
    assert event.person_id == person_id and event.person_name  # as recorded
    assert audit_chain_verify().ok


WRITER = """
import django, sys
django.setup()
from tests.factories import access_event
from gates.models import Gate
gate = Gate.objects.get()
for _ in range(int(sys.argv[1])):
    access_event(gate=gate)
"""


@pytest.mark.slow
def test_writers_in_several_processes_keep_the_chain_whole(tmp_path):
    """GIVEN one SQLite file and four processes appending at once
    THEN every event is numbered once, without gaps, and the chain verifies."""
    env = process_env(
        tmp_path, DJANGO_SETTINGS_MODULE="accessportal.settings", PYTHONPATH=str(ROOT)
    )

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    made = manage("shell", "-c", "from tests.factories import GateFactory; GateFactory()")
    assert made.returncode == 0, made.stderr
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, "40"], cwd=ROOT, env=env) for _ in range(4)
    ]
    assert all(w.wait(timeout=300) == 0 for w in writers)
    checked = manage("audit_verify", "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] and report["events"] == 160 and report["head_sequence"] == 160


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_events_written_before_it():
    """GIVEN events (one with a door result) written before the log was chained
    WHEN the migration runs THEN they are numbered in time order, chained, and verify."""
    from django.db.migrations.executor import MigrationExecutor

    before = [("recognition", "0005_kiosk_roles")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("recognition")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("recognition", "AccessEvent")
    from django.utils import timezone

    now = timezone.now()
    for minutes, granted in ((5, True), (1, False), (3, True)):
        old.objects.create(
            occurred_at=now - timezone.timedelta(minutes=minutes),
            kiosk_name="Tablet",
            gate_name="Main",
            granted=granted,
            reason="granted" if granted else "unknown_face",
            distance=0.123456789,
            frames=2,
            door_opened=granted,
            door_detail="logged" if granted else "",
        )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    events = list(AccessEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3]
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert DoorActuation.objects.count() == 2 and events[0].door.opened
    assert audit_chain_verify().ok


def test_many_events_appended_at_once_make_the_same_chain(events):
    from recognition.access_log.chain import access_events_append_many

    gate = events[0].gate
    facts = {
        "occurred_at": events[0].occurred_at,
        "kiosk_name": "Import",
        "gate": gate,
        "gate_name": str(gate),
        "granted": False,
        "reason": "no_rule",
        "distance": 0.123456789,
        "frames": 1,
    }
    assert access_events_append_many([facts] * 7, batch=3) == 7
    assert AccessEvent.objects.count() == 13
    assert audit_chain_verify().ok
    access_event(gate=gate)  # one by one continues the same chain
    assert audit_chain_verify().ok
