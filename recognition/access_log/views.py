from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404

from accessportal.private_files import private_file_response
from recognition.models import AccessSnapshot


@permission_required("recognition.view_accesssnapshot", raise_exception=True)
def access_snapshot_image(request: HttpRequest, event_id: int) -> FileResponse:
    """The face snapshot of one access event, decrypted, for operators who may see it."""
    return private_file_response(get_object_or_404(AccessSnapshot, event_id=event_id).image)
