from django.urls import path

from recognition.status.views import gate_status_alive, gate_status_page, site_occupancy_page

urlpatterns = [
    path("status/", gate_status_page, name="status"),
    path("status/alive/", gate_status_alive, name="status-alive"),
    path("status/sites/<int:site_id>/inside/", site_occupancy_page, name="site-occupancy"),
]
