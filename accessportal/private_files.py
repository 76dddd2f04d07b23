"""Stored files (photos, snapshots, exports) handed to an operator already checked for
permission: decrypted by their storage, never cached on the way."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def private_file_response(file: FieldFile) -> FileResponse:
    response = FileResponse(file.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response
