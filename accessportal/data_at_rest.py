"""Personal data at rest, encrypted with one list of Fernet keys (AES-128-CBC, HMAC-SHA256).

Face photos, passage snapshots, embeddings, display photos and report files are all written
encrypted (``ACCESSPORTAL_BIOMETRIC_KEYS``): a copied disk, backup or media folder holds no
readable face, name or access history. The first key encrypts, every key in the list decrypts,
so a new key goes first and the old one stays until ``manage.py keys_rotate`` has re-encrypted
everything with the new one. Files are decrypted in memory when a permission-checked view or
the engine opens them.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.dispatch import receiver

# Every Fernet token starts with its version byte 0x80, which base64 writes as "gA".
FERNET_PREFIX = b"gA"


@cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in settings.BIOMETRIC_KEYS])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "ACCESSPORTAL_BIOMETRIC_KEYS must be Fernet keys (32 url-safe base64 bytes each); "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


@receiver(setting_changed)
def _keys_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "BIOMETRIC_KEYS":
        _fernet.cache_clear()


def keys_check() -> None:
    """Raise ImproperlyConfigured unless the keys can be used."""
    _fernet()


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Stored personal data cannot be decrypted with ACCESSPORTAL_BIOMETRIC_KEYS: "
            "was a key removed before `manage.py keys_rotate` had run?"
        ) from exc


def reencrypt(token: bytes) -> bytes:
    """The same data encrypted with the first key; data never encrypted (written before this
    release encrypted its kind) is encrypted now."""
    token = bytes(token)
    if not token.startswith(FERNET_PREFIX):
        return encrypt(token)
    try:
        return _fernet().rotate(token)
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Stored personal data cannot be decrypted with any of ACCESSPORTAL_BIOMETRIC_KEYS."
        ) from exc


class EncryptedFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        """Not the file itself: the page that serves it to those allowed to see it."""
        from accessportal.stored_files import stored_file_url

        return stored_file_url(name or "")

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        encrypted = ContentFile(encrypt(content.read()))
        return super()._save(name, encrypted)  # type: ignore[misc]  # missing from the stubs

    def _open(self, name: str, mode: str = "rb") -> File:
        with super()._open(name, "rb") as handle:  # type: ignore[misc]  # missing from the stubs
            return ContentFile(decrypt(handle.read()), name=name)

    def reencrypt_file(self, name: str) -> None:
        """Re-encrypt one stored file with the first key, replacing it atomically: a reader
        sees the old file or the new one, and either decrypts while both keys are listed."""
        path = Path(self.path(name))
        token = reencrypt(path.read_bytes())
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rotate-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(token)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, path.stat().st_mode & 0o777)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def encrypted_storage() -> EncryptedFileSystemStorage:
    """A callable, so migrations record its name rather than an instance."""
    return EncryptedFileSystemStorage()
