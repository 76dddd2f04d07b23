from django.urls import path

from recognition.views import face_photo_image

app_name = "recognition"
urlpatterns = [
    path("face-photos/<int:photo_id>/image", face_photo_image, name="face-photo-image"),
]
