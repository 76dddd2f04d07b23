from django.urls import path

from recognition.faces.views import (
    face_photo_camera,
    face_photo_camera_check,
    face_photo_camera_take,
    face_photo_image,
    face_photo_statuses,
    visitor_selfie,
)

urlpatterns = [
    path("face-photos/<int:photo_id>/image", face_photo_image, name="face-photo-image"),
    path("visit/<str:token>/", visitor_selfie, name="visitor-selfie"),
    path(
        "people/<int:person_id>/face-photos/status",
        face_photo_statuses,
        name="face-photo-statuses",
    ),
    path("people/<int:person_id>/camera", face_photo_camera, name="face-camera"),
    path("people/<int:person_id>/camera/check", face_photo_camera_check, name="face-camera-check"),
    path("people/<int:person_id>/camera/take", face_photo_camera_take, name="face-camera-take"),
]
