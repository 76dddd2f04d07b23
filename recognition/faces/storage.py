"""Face photos on disk, encrypted with the biometric keys before they are written.

A copied disk, backup or media folder holds no readable face. Files are decrypted in memory
when the engine or a permission-checked view opens them.
"""

from __future__ import annotations

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from recognition.faces.crypto import biometric_decrypt, biometric_encrypt


class EncryptedFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        encrypted = ContentFile(biometric_encrypt(content.read()))
        return super()._save(name, encrypted)  # type: ignore[misc]  # missing from the stubs

    def _open(self, name: str, mode: str = "rb") -> File:
        with super()._open(name, "rb") as handle:  # type: ignore[misc]  # missing from the stubs
            return ContentFile(biometric_decrypt(handle.read()), name=name)


def face_photo_storage() -> EncryptedFileSystemStorage:
    """A callable, so migrations record its name rather than an instance."""
    return EncryptedFileSystemStorage()
