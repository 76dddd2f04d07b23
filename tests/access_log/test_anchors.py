"""Signed anchors of the chain's head, kept outside the database: a rewrite of the whole chain
from some event on (every hash after it recomputed, the head too) verifies without them, and
is caught with them."""

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import connection

from recognition.access_log.anchors import audit_anchor_write
from recognition.access_log.chain import CHAINED_FIELDS, audit_chain_verify, event_hash
from recognition.models import AccessEvent, AuditAnchor, AuditChainHead
from tests.factories import GateFactory, PersonFactory, access_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "audit-anchors.jsonl"
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture
def events(db):
    gate, person = GateFactory(), PersonFactory()
    return [access_event(gate=gate, person=person) for _ in range(6)]


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rewrite_from(sequence: int, **changes) -> None:
    """What someone with write access to the database and this source code can do: change an
    event, then recompute every hash after it and the head, so that the chain is whole again."""
    previous = (
        AccessEvent.objects.filter(sequence=sequence - 1)
        .values_list("entry_hash", flat=True)
        .first()
        or "0" * 64
    )
    for event in AccessEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        values = {name: getattr(event, name) for name in CHAINED_FIELDS}
        if event.sequence == sequence:
            values.update(changes)
        previous = event_hash(previous, values)
        assignments = (
            ", ".join(f"{name} = %s" for name in changes) if event.sequence == sequence else ""
        )
        if assignments:
            raw(
                f"UPDATE recognition_accessevent SET {assignments}, entry_hash = %s WHERE id = %s",  # noqa: S608
                *changes.values(),
                previous,
                event.pk,
            )
        else:
            raw(
                "UPDATE recognition_accessevent SET entry_hash = %s WHERE id = %s",
                previous,
                event.pk,
            )
    raw("UPDATE recognition_auditchainhead SET entry_hash = %s", previous)


def anchored(django_capture_on_commit_callbacks) -> AuditAnchor:
    with django_capture_on_commit_callbacks(execute=True):
        anchor = audit_anchor_write()
    assert anchor is not None
    return anchor


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return 1, str(error)
    return 0, out.getvalue()


def test_a_whole_chain_rewrite_verifies_without_anchors_and_is_caught_with_them(
    events, django_capture_on_commit_callbacks
):
    rewrite_from(3, person_name="Someone Else", granted=False)
    assert audit_chain_verify().ok  # the gap anchors close: the chain alone cannot tell

    # Start again, anchored this time.
    raw("DELETE FROM recognition_accessevent")
    raw("UPDATE recognition_auditchainhead SET sequence = 0, entry_hash = %s", "0" * 64)
    gate, person = GateFactory(), PersonFactory()
    for _ in range(6):
        access_event(gate=gate, person=person)
    anchored(django_capture_on_commit_callbacks)
    assert verify()[0] == 0
    rewrite_from(3, person_name="Someone Else", granted=False)
    code, message = verify()
    assert code == 1 and "event 6 no longer has the hash" in message
    assert "at or before event 6" in message


def test_the_anchor_file_catches_it_when_the_database_anchors_are_deleted_too(
    events, anchor_file, django_capture_on_commit_callbacks
):
    anchor = anchored(django_capture_on_commit_callbacks)
    line = json.loads(anchor_file.read_text().splitlines()[-1])
    assert line == {"statement": anchor.statement, "signature": anchor.signature}
    statement = json.loads(anchor.statement)
    assert (statement["sequence"], statement["entry_hash"]) == (6, events[-1].entry_hash)

    rewrite_from(2, reason="no_rule")
    raw("DELETE FROM recognition_auditanchor")
    code, message = verify()
    assert code == 1 and "audit-anchors.jsonl line 1" in message


def test_a_cut_chain_with_its_head_moved_back_is_caught(events, django_capture_on_commit_callbacks):
    anchored(django_capture_on_commit_callbacks)
    raw("DELETE FROM recognition_accessevent WHERE sequence > 4")
    raw(
        "UPDATE recognition_auditchainhead SET sequence = 4, entry_hash = %s",
        events[3].entry_hash,
    )
    code, message = verify()
    assert code == 1 and "signed event 6, but the chain now ends at 4" in message


def test_an_anchor_forged_with_another_key_is_refused(events):
    forger = Ed25519PrivateKey.generate()
    text = json.dumps({"v": 1, "sequence": 6, "entry_hash": events[-1].entry_hash, "at": "x"})
    AuditAnchor.objects.create(
        statement=text, signature=forger.sign(text.encode()).hex(), sequence=6
    )
    code, message = verify()
    assert code == 1 and "is not signed by the audit key" in message


def test_an_anchor_is_written_only_when_the_head_moved(
    events, anchor_file, django_capture_on_commit_callbacks
):
    anchored(django_capture_on_commit_callbacks)
    assert audit_anchor_write() is None
    access_event(gate=events[0].gate)
    anchored(django_capture_on_commit_callbacks)
    assert len(anchor_file.read_text().splitlines()) == 2
    assert AuditAnchor.objects.count() == 2
    code, output = verify()
    assert code == 0 and "2 signed anchors" in output


def test_an_empty_log_has_no_anchor(db):
    assert audit_anchor_write() is None


def test_anchors_go_to_the_webhook_and_the_public_key_checks_them(
    events, settings, django_capture_on_commit_callbacks
):
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.handle_request, daemon=True).start()
    settings.AUDIT_ANCHOR_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/anchors"
    anchor = anchored(django_capture_on_commit_callbacks)
    server.server_close()
    assert len(received) == 1
    posted = json.loads(received[0])
    assert posted["statement"] == anchor.statement

    out = io.StringIO()
    call_command("audit_anchor_key", stdout=out)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(out.getvalue().split()[0]))
    public.verify(bytes.fromhex(posted["signature"]), posted["statement"].encode())  # no raise


def test_a_webhook_that_is_down_leaves_the_anchor_stored_and_logs_an_error(
    events, settings, caplog, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_WEBHOOK_URL = "http://127.0.0.1:9/anchors"  # discard port: refused
    anchored(django_capture_on_commit_callbacks)
    assert AuditAnchor.objects.count() == 1
    assert "was not accepted by its webhook" in caplog.text
    assert AuditChainHead.objects.get().sequence == 6
