from django.urls import path

from recognition.doors.sensor import door_sensor
from recognition.doors.views import door_action

urlpatterns = [
    path("doors/<slug:gate_slug>/sensor", door_sensor, name="door-sensor"),
    path(
        "doors/<int:gate_id>/<str:action>",
        door_action,
        name="door-action",
    ),
]
