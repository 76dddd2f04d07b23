from django.urls import path

from recognition.reports import views

urlpatterns = [
    path("reports/access/", views.access_report, name="access-report"),
    path(
        "reports/access/export.<str:fmt>", views.access_report_export, name="access-report-export"
    ),
    path("reports/exports/<int:export_id>/", views.report_export_page, name="report-export"),
    path(
        "reports/exports/<int:export_id>/file",
        views.report_export_file,
        name="report-export-file",
    ),
]
