"""A kiosk that cannot reach the server: fail-secure, unless its gate opts into an offline
allow-list (``Gate.offline_allow_list``).

**The list.** Sent with every hello (and so renewed whenever the kiosk is online): for the
next ``Gate.offline_list_hours``, everyone a rule lets through the gate, with when
(``gates.selectors.gate_open_spans``), their badge or employee number, and their PIN's and
duress PIN's hashes as Django keeps them (PBKDF2-SHA256 only: the page checks a typed PIN with
WebCrypto). No face data: offline, nobody is recognised; a number and a PIN open. The list is
signed with the server's ECDSA P-256 key (``KIOSK_LIST_SIGNING_KEY``); the page checks the
signature with the public half it was served with, and refuses a list that is altered,
expired, or for another kiosk.

**The door.** Offline, the page tells the gate's door controller on its own network
(``Gate.offline_door_url``) to open, the command signed with the kiosk's device key (whose
public half is in the list): a controller should refuse commands it cannot verify.

**The events.** Each offline decision is kept on the tablet, in order, and sent once the
kiosk is back (``{"type": "offline_events", "events": [...]}``); the server appends them to
the access log's chain on arrival (each once: ``AccessEvent.offline_id``), with the time the
kiosk decided, and raises the duress alarm for a duress PIN typed offline.

**The risk**, for whoever opts in: whoever takes the tablet holds the list, and can try PINs
against its hashes offline (a 4-digit PIN falls in hours of computing). Keep lists short
(hours), PINs long, and the tablet's browser locked.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accessportal.security_alerts import security_alert
from gates.decisions import Reason
from gates.models import Gate
from gates.selectors import gate_open_spans
from people.models import Person, PersonPin
from recognition.access_log.chain import (
    access_event_append,
    door_actuation_record,
    event_place,
)
from recognition.models import AccessEvent, Kiosk

logger = logging.getLogger(__name__)

LIST_CONTEXT = b"accessportal offline list\n"
PIN_HASHES = "pbkdf2_sha256$"  # what the page can check with WebCrypto
# What an offline kiosk may report, and how it is recorded.
OFFLINE_REASONS = {
    "granted": Reason.GRANTED_OFFLINE,
    "unknown_number": Reason.OFFLINE_UNKNOWN_NUMBER,
    "pin_wrong": Reason.PIN_WRONG,
    "pin_locked": Reason.PIN_LOCKED,
    "outside_hours": Reason.OFFLINE_OUTSIDE_HOURS,
}
MAX_EVENTS = 500  # in one message


def _signing_key() -> ec.EllipticCurvePrivateKey:
    raw = base64.b64decode(settings.KIOSK_LIST_SIGNING_KEY)
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's
    return ec.derive_private_key(int.from_bytes(raw, "big") % (order - 1) + 1, ec.SECP256R1())


def list_public_key() -> str:
    """The public half the kiosk page checks lists with (base64 SPKI)."""
    public = (
        _signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(public).decode()


def _sign(text: str) -> str:
    """ECDSA P-256 / SHA-256 over the context and ``text``, as WebCrypto wants it (r || s)."""
    der = _signing_key().sign(LIST_CONTEXT + text.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


def offline_list(*, kiosk: Kiosk, now: dt.datetime | None = None) -> dict[str, str] | None:
    """The kiosk's signed allow-list, or None where its gate has none."""
    gate = kiosk.gate
    if gate is None or not gate.offline_allow_list or not gate.offline_door_url:
        return None
    now = now or timezone.now()
    spans = gate_open_spans(gate=gate, start=now, hours=gate.offline_list_hours)
    pins = {
        row.person_id: row
        for row in PersonPin.objects.filter(person__in=[person for person, _ in spans])
    }
    people = []
    for person, open_spans in spans:
        row = pins.get(person.pk)
        number = person.badge_number or person.employee_number
        if row is None or not number or not row.pin_hash.startswith(PIN_HASHES):
            continue
        people.append(
            {
                "person": person.pk,
                "number": number,
                "name": person.first_name,
                "pin": row.pin_hash,
                "duress": row.duress_pin_hash if row.duress_pin_hash.startswith(PIN_HASHES) else "",
                "spans": [[a.isoformat(), b.isoformat()] for a, b in open_spans],
            }
        )
    payload = {
        "version": 1,
        "kiosk": kiosk.pk,
        "gate": gate.pk,
        "issued_at": now.isoformat(),
        "expires_at": (now + dt.timedelta(hours=gate.offline_list_hours)).isoformat(),
        "door_url": gate.offline_door_url,
        "device_key": kiosk.device_key,
        "pin_max_tries": settings.PIN_MAX_TRIES,
        "pin_lock_minutes": settings.PIN_LOCK_MINUTES,
        "people": people,
    }
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return {"list": text, "signature": _sign(text)}


def offline_list_for(*, kiosk_id: int) -> dict[str, str] | None:
    kiosk = Kiosk.objects.select_related("gate__site").filter(pk=kiosk_id).first()
    return offline_list(kiosk=kiosk) if kiosk is not None else None


def _event_facts(raw: Any) -> dict[str, Any] | None:
    """One reported event, checked; None for one that cannot be recorded."""
    if not isinstance(raw, dict):
        return None
    offline_id, at = raw.get("id"), parse_datetime(str(raw.get("at", "")))
    outcome = raw.get("outcome")
    if not isinstance(offline_id, str) or not 8 <= len(offline_id) <= 40 or at is None:
        return None
    if at.tzinfo is None or outcome not in OFFLINE_REASONS:
        return None
    person_id = raw.get("person")
    return {
        "id": offline_id,
        "at": at,
        "outcome": outcome,
        "person_id": person_id if isinstance(person_id, int) else None,
        "door": raw.get("door") if raw.get("door") in ("opened", "failed") else None,
        "duress": raw.get("duress") is True,
    }


def offline_events_record(*, kiosk_id: int, events: Any) -> list[str]:
    """Append what the kiosk decided offline to the access log, in the order sent, each once.
    Returns the ids now on record (the kiosk forgets those)."""
    kiosk = Kiosk.objects.select_related("gate__site").filter(pk=kiosk_id).first()
    if kiosk is None or kiosk.gate is None or not isinstance(events, list):
        return []
    gate: Gate = kiosk.gate
    recorded = []
    for raw in events[:MAX_EVENTS]:
        facts = _event_facts(raw)
        if facts is None:
            continue
        if AccessEvent.objects.filter(offline_id=facts["id"]).exists():
            recorded.append(facts["id"])  # sent again after a lost answer: on record already
            continue
        person = Person.objects.filter(pk=facts["person_id"]).first()
        reason = OFFLINE_REASONS[facts["outcome"]]
        event = access_event_append(
            occurred_at=facts["at"],
            **event_place(kiosk=kiosk, gate=gate, person=person),
            granted=reason is Reason.GRANTED_OFFLINE,
            reason=reason,
            rule=None,
            rule_name="",
            distance=None,
            margin=None,
            liveness=None,
            model_name="",
            frames=0,
            offline_id=facts["id"],
        )
        if facts["door"] is not None:
            door_actuation_record(
                event=event,
                opened=facts["door"] == "opened",
                detail="offline: the kiosk told the door controller",
                at=timezone.now(),
            )
        if facts["duress"] and person is not None:
            security_alert(
                "duress_pin",
                f"Duress PIN entered offline at {gate} (kiosk {kiosk.name!r}) by person "
                f"#{person.pk}, at {facts['at'].isoformat()}",
                key=f"{person.pk}@{kiosk.pk}:{facts['id']}",
                person=person.pk,
                gate=str(gate),
                kiosk=kiosk.name,
            )
        recorded.append(facts["id"])
    return recorded
