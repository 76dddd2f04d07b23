"""The recognition app's admin, one module per room (Django looks for it here)."""

from recognition.access_log import admin as access_log_admin
from recognition.faces import admin as faces_admin
from recognition.kiosks import admin as kiosks_admin
from recognition.reports import admin as reports_admin

__all__ = ["access_log_admin", "faces_admin", "kiosks_admin", "reports_admin"]
