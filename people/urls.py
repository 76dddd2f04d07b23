from django.urls import path

from people.views import (
    people_import_page,
    person_consent_withdraw,
    person_data_export,
    person_pass,
    person_photo,
    visit_end_now,
    visit_page,
    visit_register_page,
)

app_name = "people"
urlpatterns = [
    path("import", people_import_page, name="import"),
    path("visits/new", visit_register_page, name="visit-register"),
    path("visits/<int:visit_id>/", visit_page, name="visit"),
    path("visits/<int:visit_id>/end", visit_end_now, name="visit-end"),
    path("<int:person_id>/photo", person_photo, name="photo"),
    path("<int:person_id>/data-export", person_data_export, name="data-export"),
    path("<int:person_id>/pass", person_pass, name="pass"),
    path("<int:person_id>/consent/withdraw", person_consent_withdraw, name="consent-withdraw"),
]
