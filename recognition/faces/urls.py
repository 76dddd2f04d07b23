from django.urls import path

from recognition.faces.views import face_photo_image, face_photo_statuses, visitor_selfie

urlpatterns = [
    path("face-photos/<int:photo_id>/image", face_photo_image, name="face-photo-image"),
    path("visit/<str:token>/", visitor_selfie, name="visitor-selfie"),
    path(
        "people/<int:person_id>/face-photos/status",
        face_photo_statuses,
        name="face-photo-statuses",
    ),
]
