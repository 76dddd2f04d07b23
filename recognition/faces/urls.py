from django.urls import path

from recognition.faces.views import face_photo_image, visitor_selfie

urlpatterns = [
    path("face-photos/<int:photo_id>/image", face_photo_image, name="face-photo-image"),
    path("visit/<str:token>/", visitor_selfie, name="visitor-selfie"),
]
