from django.urls import path

from gates.views import schedule_editor

app_name = "gates"
urlpatterns = [
    path("schedules/<int:schedule_id>/week/", schedule_editor, name="schedule-editor"),
]
