from django.urls import path

from gates.views import person_week_page, schedule_editor, site_access_matrix

app_name = "gates"
urlpatterns = [
    path("schedules/<int:schedule_id>/week/", schedule_editor, name="schedule-editor"),
    path("people/<int:person_id>/week/", person_week_page, name="person-week"),
    path("sites/<int:site_id>/matrix/", site_access_matrix, name="site-matrix"),
]
