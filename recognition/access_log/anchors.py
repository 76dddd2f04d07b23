"""Anchors: the chain's head, signed with a key the database does not hold, kept outside it.

The hash chain shows any change to an event, unless whoever changes it also recomputes every
hash after it and the head. An anchor makes that visible: a statement of the head (sequence,
hash, time) signed with ``AUDIT_SIGNING_KEY`` (Ed25519), stored in the database and appended
to ``AUDIT_ANCHOR_FILE`` (and POSTed to ``AUDIT_ANCHOR_WEBHOOK_URL`` when set). A rewritten
chain no longer has the anchored hash at the anchored sequence, and a new anchor cannot be
made without the key. Celery beat writes one every ``AUDIT_ANCHOR_MINUTES`` when the head has
moved; pruning writes one that also names what it removed (``recognition.access_log.retention``).

A statement is canonical JSON::

    {"at": "2026-12-04T05:00:00+00:00", "entry_hash": "<hex>", "key": "<key id>",
     "pruned": null | {"count": 12, "digest": "<hex>", "up_to": 4711}, "sequence": 4800, "v": 1}

and a line of the anchor file is ``{"statement": "<that text>", "signature": "<hex>"}``. Anyone
with the public key (``manage.py audit_anchor_key``) can check the file without the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accessportal.webhooks import json_post
from recognition.models import AccessEvent, AuditAnchor, AuditChainHead, PrunedAccessEvent

logger = logging.getLogger(__name__)

STATEMENT_VERSION = 1


@cache
def _signing_key() -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(settings.AUDIT_SIGNING_KEY, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(
            "ACCESSPORTAL_AUDIT_SIGNING_KEY must be 32 random bytes in base64, e.g. from: "
            "python -c 'import base64,secrets; print(base64.b64encode(secrets.token_bytes(32))"
            ".decode())'"
        ) from error


@receiver(setting_changed)
def _key_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "AUDIT_SIGNING_KEY":
        _signing_key.cache_clear()


def anchor_key_check() -> None:
    """Raise ImproperlyConfigured unless the signing key can be used."""
    _signing_key()


def anchor_public_key() -> bytes:
    """The public half of the signing key (32 bytes): what an outside checker needs."""
    return _signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def anchor_key_id(public_key: bytes | None = None) -> str:
    return hashlib.sha256(public_key or anchor_public_key()).hexdigest()[:16]


def pruned_digest(pairs: Iterable[tuple[int, str]]) -> str:
    """The digest of pruned events' (sequence, hash) pairs, by sequence."""
    digest = hashlib.sha256()
    for sequence, entry_hash in sorted(pairs):
        digest.update(f"{sequence}:{entry_hash}\n".encode())
    return digest.hexdigest()


def audit_anchor_create(
    *, sequence: int, entry_hash: str, pruned: list[tuple[int, str]] | None = None
) -> AuditAnchor:
    """Sign a statement of the head (and of what was pruned) and store it; it is written out
    once the transaction commits."""
    statement = {
        "v": STATEMENT_VERSION,
        "sequence": sequence,
        "entry_hash": entry_hash,
        "at": timezone.now().isoformat(timespec="seconds"),
        "key": anchor_key_id(),
        "pruned": {
            "count": len(pruned),
            "up_to": max(s for s, _ in pruned),
            "digest": pruned_digest(pruned),
        }
        if pruned
        else None,
    }
    text = json.dumps(statement, sort_keys=True, separators=(",", ":"))
    anchor = AuditAnchor.objects.create(
        statement=text,
        signature=_signing_key().sign(text.encode()).hex(),
        sequence=sequence,
    )
    transaction.on_commit(lambda: anchor_publish(anchor))
    return anchor


def audit_anchor_write() -> AuditAnchor | None:
    """The scheduled anchor: the head now, unless the last anchor already says it."""
    head = AuditChainHead.objects.first()
    if head is None or head.sequence == 0:
        return None
    last = AuditAnchor.objects.order_by("-id").first()
    if last is not None and json.loads(last.statement)["entry_hash"] == head.entry_hash:
        return None
    with transaction.atomic():
        return audit_anchor_create(sequence=head.sequence, entry_hash=head.entry_hash)


def anchor_line(anchor: AuditAnchor) -> str:
    return json.dumps({"statement": anchor.statement, "signature": anchor.signature})


def anchor_publish(anchor: AuditAnchor) -> None:
    """Append the anchor to the anchor file and POST it to the webhook. A failure is logged
    as an error (the anchor stays in the database, and the next one is written out again)."""
    line = anchor_line(anchor) + "\n"
    path = Path(settings.AUDIT_ANCHOR_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        logger.error(
            "The audit anchor at event %s was not written to %s: %s", anchor.sequence, path, error
        )
    url = settings.AUDIT_ANCHOR_WEBHOOK_URL
    if not url:
        return
    try:
        json_post(url, line.encode())
    except OSError as error:
        logger.error(
            "The audit anchor at event %s was not accepted by its webhook: %s",
            anchor.sequence,
            error,
        )


# --- Checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedAnchor:
    statement: dict[str, Any]
    where: str  # "the database (id 4)" or "audit-anchors.jsonl line 7"


def anchors_read_file(path: Path) -> Iterator[tuple[str, str, str]]:
    """(statement text, signature, where) for each line of an anchor file."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                item = json.loads(line)
                yield str(item["statement"]), str(item["signature"]), where
            except (ValueError, KeyError, TypeError):
                yield "", "", where


def _signed(text: str, signature: str, where: str, public: Ed25519PublicKey) -> SignedAnchor:
    """The statement, or ValueError saying why it cannot be trusted."""
    try:
        public.verify(bytes.fromhex(signature), text.encode())
        statement = json.loads(text)
    except (InvalidSignature, ValueError) as error:
        raise ValueError(f"the anchor in {where} is not signed by the audit key") from error
    return SignedAnchor(statement, where)


def anchors_verify(*, head_sequence: int, anchor_file: Path | None) -> tuple[int, str]:
    """Check every anchor (the database's and the file's) against the chain as it is now:
    how many different anchors were checked, and the first problem found ("" when none)."""
    public = _signing_key().public_key()
    sources: list[tuple[str, str, str]] = [
        (a.statement, a.signature, f"the database (anchor id {a.pk})")
        for a in AuditAnchor.objects.order_by("id")
    ]
    if anchor_file is not None and anchor_file.exists():
        sources.extend(anchors_read_file(anchor_file))
    checked: set[str] = set()
    for text, signature, where in sources:
        if signature in checked:  # the file's copy of an anchor the database holds
            continue
        try:
            anchor = _signed(text, signature, where, public)
        except ValueError as error:
            return len(checked), str(error)
        problem = _anchor_problem(anchor, head_sequence)
        if problem:
            return len(checked), problem
        checked.add(signature)
    return len(checked), _pruned_problem(public)


def _hash_at(sequence: int) -> str | None:
    found = AccessEvent.objects.filter(sequence=sequence).values_list("entry_hash", flat=True)
    pruned = PrunedAccessEvent.objects.filter(sequence=sequence).values_list(
        "entry_hash", flat=True
    )
    return found.first() or pruned.first()


def _anchor_problem(anchor: SignedAnchor, head_sequence: int) -> str:
    sequence, signed_hash = anchor.statement["sequence"], anchor.statement["entry_hash"]
    said = f"the anchor of {anchor.statement['at']} in {anchor.where}"
    if sequence > head_sequence:
        return (
            f"{said} signed event {sequence}, but the chain now ends at {head_sequence}: "
            "events were removed and the head rewritten"
        )
    if _hash_at(sequence) != signed_hash:
        return (
            f"event {sequence} no longer has the hash {said} signed: the chain was rewritten "
            f"at or before event {sequence}"
        )
    return ""


def _pruned_problem(public: Ed25519PublicKey) -> str:
    """Every pruned event belongs to a signed pruning anchor whose digest covers exactly the
    pruned events that name it."""
    anchor_ids = PrunedAccessEvent.objects.values_list("anchor_id", flat=True).distinct()
    for anchor_id in anchor_ids.order_by("anchor_id"):
        anchor = AuditAnchor.objects.filter(pk=anchor_id).first()
        if anchor is None:
            return f"pruned events name anchor id {anchor_id}, which does not exist"
        try:
            signed = _signed(anchor.statement, anchor.signature, f"anchor id {anchor_id}", public)
        except ValueError as error:
            return str(error)
        pairs = list(
            PrunedAccessEvent.objects.filter(anchor_id=anchor_id).values_list(
                "sequence", "entry_hash"
            )
        )
        pruned = signed.statement.get("pruned") or {}
        if pruned.get("count") != len(pairs) or pruned.get("digest") != pruned_digest(pairs):
            return (
                f"the pruned events of anchor id {anchor_id} are not the ones it signed "
                f"({len(pairs)} found, {pruned.get('count')} signed)"
            )
    return ""
