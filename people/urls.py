from django.urls import path

from people.views import person_photo

app_name = "people"
urlpatterns = [
    path("<int:person_id>/photo", person_photo, name="photo"),
]
