"""Stored files (photos, snapshots, exports) handed to an operator already checked for
permission: decrypted by their storage, never cached on the way."""

from __future__ import annotations

from typing import IO

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def private_file_response(file: FieldFile | IO[bytes], *, download: str = "") -> FileResponse:
    """The file (a stored one, or one made for this request); with ``download``, offered to
    save under that name."""
    content = file.open("rb") if isinstance(file, FieldFile) else file
    if download:
        response = FileResponse(content, as_attachment=True, filename=download)
    else:
        response = FileResponse(content)
    response["Cache-Control"] = "private, no-store"
    return response
