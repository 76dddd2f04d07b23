import datetime as dt

from celery import shared_task
from django.db import transaction

from recognition import exports, kiosks, services
from recognition.engine import model_name_in_use

REQUEUE_AFTER_MINUTES = 10  # a photo waiting longer than this lost its task: queue it again


@shared_task(acks_late=True, max_retries=3, default_retry_delay=10)
def enroll_face_photo(photo_id: int) -> None:
    """Enrol one face photo; the outcome is on the FacePhoto row, not in Celery."""
    services.face_photo_enroll(photo_id=photo_id)


@shared_task
def face_photos_reenroll_stale() -> None:
    """Run by Celery beat: queue the photos enrolled with another model than the one in use
    (after ACCESSPORTAL_FACE_MODEL changed), each once; nobody has to ask for it."""
    with transaction.atomic():
        services.face_photos_reenroll(
            model_name=model_name_in_use(),
            stuck_after=dt.timedelta(minutes=REQUEUE_AFTER_MINUTES),
        )


@shared_task(acks_late=True)
def report_export_run(export_id: int) -> None:
    """Produce one report export; its progress and outcome are on the ReportExport row."""
    exports.report_export_run(export_id=export_id)


@shared_task
def scheduled_reports_run() -> None:
    """Run by Celery beat: queue the scheduled reports whose period has ended."""
    exports.scheduled_reports_run()


@shared_task
def report_exports_prune() -> None:
    """Run by Celery beat: delete report files past REPORT_KEEP_DAYS."""
    exports.report_exports_prune()


@shared_task
def access_snapshots_prune() -> None:
    """Run by Celery beat: delete face snapshots past their gate's retention period."""
    kiosks.access_snapshots_prune()
