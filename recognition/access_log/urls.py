from django.urls import path

from recognition.access_log.views import access_snapshot_image

urlpatterns = [
    path(
        "access-events/<int:event_id>/snapshot",
        access_snapshot_image,
        name="access-snapshot-image",
    ),
]
