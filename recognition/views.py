from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404

from recognition.models import FacePhoto


@permission_required("recognition.view_facephoto", raise_exception=True)
def face_photo_image(request: HttpRequest, photo_id: int) -> FileResponse:
    """A face photo's file, for operators allowed to see biometric data. Never public."""
    photo = get_object_or_404(FacePhoto, pk=photo_id)
    response = FileResponse(photo.image.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response
