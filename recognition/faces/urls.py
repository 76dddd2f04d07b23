from django.urls import path

from recognition.faces.views import face_photo_image

urlpatterns = [
    path("face-photos/<int:photo_id>/image", face_photo_image, name="face-photo-image"),
]
