from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404

from accessportal.private_files import private_file_response
from recognition.models import FacePhoto


@permission_required("recognition.view_facephoto", raise_exception=True)
def face_photo_image(request: HttpRequest, photo_id: int) -> FileResponse:
    """A face photo's file, decrypted, for operators allowed to see biometric data."""
    return private_file_response(get_object_or_404(FacePhoto, pk=photo_id).image)
