"""Re-encrypting all personal data at rest with the newest key, while the product runs.

The keys (``ACCESSPORTAL_BIOMETRIC_KEYS``) are a list: the first encrypts, all decrypt. To
rotate, put a new key first and keep the old ones, restart, then run ``manage.py
keys_rotate``: it re-encrypts every encrypted file (any model file field on the encrypted
storage: face photos, snapshots, display photos, report files) and every encrypted column with
the first key. Each file is replaced atomically and each column value is written only if it
has not changed meanwhile, so kiosks keep deciding throughout. ``keys_rotate --check`` then
counts what still needs an old key; at zero the old keys can leave the list.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models

from accessportal.data_at_rest import FERNET_PREFIX, EncryptedFileSystemStorage, reencrypt

# Columns that hold encrypted bytes: (app label, model, field).
ENCRYPTED_COLUMNS = (("recognition", "FacePhoto", "embedding"),)


@dataclasses.dataclass
class KeyUse:
    """What a walk over the data at rest found: items readable with the first key, items that
    need an older key, items never encrypted, and files the database names but the disk lacks."""

    current: int = 0
    older: int = 0
    plain: int = 0
    missing: int = 0
    rotated: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def encrypted_file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and isinstance(
                field.storage, EncryptedFileSystemStorage
            ):
                yield model, field


def _classify(token: bytes, newest: Fernet) -> str:
    if not token.startswith(FERNET_PREFIX):
        return "plain"
    try:
        newest.decrypt(token)
    except InvalidToken:
        return "older"
    return "current"


def keys_use(*, rotate: bool = False) -> KeyUse:
    """Count which key every piece of personal data at rest needs; with ``rotate``, first
    re-encrypt what does not use the first key."""
    started = time.perf_counter()
    newest = Fernet(settings.BIOMETRIC_KEYS[0])
    use = KeyUse()
    for storage, name in _encrypted_files():
        try:
            with open(storage.path(name), "rb") as handle:
                kind = _classify(handle.read(), newest)
        except FileNotFoundError:
            use.missing += 1
            continue
        if kind != "current" and rotate and _file_rewrite(storage, name):
            use.rotated, kind = use.rotated + 1, "current"
        setattr(use, kind, getattr(use, kind) + 1)
    for rows, column in _encrypted_columns():
        for pk, value in rows.values_list("pk", column).iterator():
            token = bytes(value)
            kind = _classify(token, newest)
            # Written only if unchanged meanwhile (a re-enrolment already used the new key).
            unchanged = rows.filter(pk=pk, **{column: token})
            if kind != "current" and rotate and unchanged.update(**{column: reencrypt(token)}):
                use.rotated, kind = use.rotated + 1, "current"
            setattr(use, kind, getattr(use, kind) + 1)
    use.seconds = round(time.perf_counter() - started, 2)
    return use


def _encrypted_files() -> Iterator[tuple[EncryptedFileSystemStorage, str]]:
    for model, field in encrypted_file_fields():
        storage: EncryptedFileSystemStorage = field.storage  # type: ignore[assignment]
        names = model._default_manager.exclude(**{field.name: ""})
        for name in names.values_list(field.name, flat=True).iterator():
            yield storage, name


def _encrypted_columns() -> Iterator[tuple[models.QuerySet[Any], str]]:
    for app_label, model_name, column in ENCRYPTED_COLUMNS:
        manager = apps.get_model(app_label, model_name)._default_manager
        yield manager.exclude(**{f"{column}__isnull": True}), column


def _file_rewrite(storage: EncryptedFileSystemStorage, name: str) -> bool:
    try:
        storage.reencrypt_file(name)
    except FileNotFoundError:  # deleted meanwhile (the person was erased): nothing to keep
        return False
    return True
