"""Files of a bulk import that passed their check, kept for an hour so that "Import them now"
does not ask for them again. Kept encrypted, as every stored file is (face photos among them),
named by a random id inside a signed ticket that only the operator who checked them can use,
and deleted once used or expired."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone

from accessportal.data_at_rest import encrypted_storage

KEPT_FOR = dt.timedelta(hours=1)
FOLDER = "import-checked"
SALT = "people.import_checked"


@dataclass(frozen=True)
class CheckedFiles:
    kind: str  # "csv" or "xlsx"
    data: bytes
    photos: bytes | None
    consent_reference: str


def _names(folder: str) -> tuple[str, str]:
    return f"{FOLDER}/{folder}/people", f"{FOLDER}/{folder}/photos"


def _expired_delete() -> None:
    storage = encrypted_storage()
    if not storage.exists(FOLDER):
        return
    folders, _files = storage.listdir(FOLDER)
    for folder in folders:
        people, photos = _names(folder)
        if not storage.exists(people):
            continue
        if timezone.now() - storage.get_modified_time(people) > KEPT_FOR:
            for name in (people, photos):
                storage.delete(name)


def checked_files_keep(*, files: CheckedFiles, user_id: int) -> str:
    """Keep the files; the ticket that gives them back (to this operator, within the hour)."""
    _expired_delete()
    folder = uuid.uuid4().hex
    storage = encrypted_storage()
    people, photos = _names(folder)
    storage.save(people, ContentFile(files.data))
    if files.photos is not None:
        storage.save(photos, ContentFile(files.photos))
    return signing.dumps(
        {
            "folder": folder,
            "user": user_id,
            "kind": files.kind,
            "consent_reference": files.consent_reference,
            "photos": files.photos is not None,
        },
        salt=SALT,
    )


def checked_files_take(ticket: str, *, user_id: int) -> CheckedFiles | None:
    """The files a ticket names, deleted from the store as they are given back; None for a
    ticket that is forged, another operator's, expired or already used."""
    try:
        facts = signing.loads(ticket, salt=SALT, max_age=KEPT_FOR)
    except signing.BadSignature:
        return None
    if facts.get("user") != user_id:
        return None
    storage = encrypted_storage()
    people, photos = _names(str(facts["folder"]))
    if not storage.exists(people):
        return None
    with storage.open(people) as handle:
        data = handle.read()
    photo_data = None
    if facts.get("photos") and storage.exists(photos):
        with storage.open(photos) as handle:
            photo_data = handle.read()
    for name in (people, photos):
        storage.delete(name)
    return CheckedFiles(
        kind=str(facts["kind"]),
        data=data,
        photos=photo_data,
        consent_reference=str(facts.get("consent_reference", "")),
    )
