"""Every Celery task of the recognition app, one module per room. Celery finds them here, and
their names stay ``recognition.tasks.<name>`` wherever they are defined."""

from recognition.access_log.tasks import (
    access_events_prune,
    access_snapshots_prune,
    audit_anchor_write,
)
from recognition.doors.tasks import doors_held_open_check
from recognition.faces.tasks import enroll_face_photo, face_photos_reenroll_stale
from recognition.kiosks.tasks import kiosks_offline_alert
from recognition.reports.tasks import (
    report_export_run,
    report_exports_prune,
    scheduled_reports_run,
)

__all__ = [
    "access_events_prune",
    "access_snapshots_prune",
    "audit_anchor_write",
    "doors_held_open_check",
    "enroll_face_photo",
    "face_photos_reenroll_stale",
    "kiosks_offline_alert",
    "report_export_run",
    "report_exports_prune",
    "scheduled_reports_run",
]
