from django.urls import path

from recognition.status.views import gate_status_page

urlpatterns = [
    path("status/", gate_status_page, name="status"),
]
