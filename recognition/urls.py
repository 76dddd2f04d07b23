from django.urls import path

from recognition import report_views
from recognition.status_views import gate_status_page
from recognition.views import access_snapshot_image, face_photo_image

app_name = "recognition"
urlpatterns = [
    path("face-photos/<int:photo_id>/image", face_photo_image, name="face-photo-image"),
    path(
        "access-events/<int:event_id>/snapshot",
        access_snapshot_image,
        name="access-snapshot-image",
    ),
    path("status/", gate_status_page, name="status"),
    path("reports/access/", report_views.access_report, name="access-report"),
    path(
        "reports/access/export.<str:fmt>",
        report_views.access_report_export,
        name="access-report-export",
    ),
    path("reports/exports/<int:export_id>/", report_views.report_export_page, name="report-export"),
    path(
        "reports/exports/<int:export_id>/file",
        report_views.report_export_file,
        name="report-export-file",
    ),
]
