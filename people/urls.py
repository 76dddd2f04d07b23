from django.urls import path

from people.views import (
    person_consent_withdraw,
    person_data_export,
    person_pass,
    person_photo,
)

app_name = "people"
urlpatterns = [
    path("<int:person_id>/photo", person_photo, name="photo"),
    path("<int:person_id>/data-export", person_data_export, name="data-export"),
    path("<int:person_id>/pass", person_pass, name="pass"),
    path("<int:person_id>/consent/withdraw", person_consent_withdraw, name="consent-withdraw"),
]
