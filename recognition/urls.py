"""The recognition app's pages, one list per room, under one namespace (``recognition:``)."""

from recognition.access_log.urls import urlpatterns as access_log_urls
from recognition.doors.urls import urlpatterns as doors_urls
from recognition.faces.urls import urlpatterns as faces_urls
from recognition.reports.urls import urlpatterns as reports_urls
from recognition.status.urls import urlpatterns as status_urls

app_name = "recognition"
urlpatterns = [*faces_urls, *access_log_urls, *doors_urls, *status_urls, *reports_urls]
