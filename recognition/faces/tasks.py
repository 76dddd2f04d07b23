import datetime as dt
import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import transaction

from recognition.faces import enrolment
from recognition.faces.engine import get_engine, model_name_in_use

logger = logging.getLogger(__name__)

REQUEUE_AFTER_MINUTES = 10  # a photo waiting longer than this lost its task: queue it again


@shared_task(
    name="recognition.tasks.enroll_face_photo",
    acks_late=True,
    max_retries=3,
    default_retry_delay=10,
)
def enroll_face_photo(photo_id: int) -> None:
    """Enrol one face photo; the outcome is on the FacePhoto row, not in Celery."""
    enrolment.face_photo_enroll(photo_id=photo_id)


@shared_task(name="recognition.tasks.face_photos_reenroll_stale")
def face_photos_reenroll_stale() -> None:
    """Run by Celery beat: queue the photos enrolled with another model than the one in use
    (after ACCESSPORTAL_FACE_MODEL changed), each once; nobody has to ask for it."""
    with transaction.atomic():
        enrolment.face_photos_reenroll(
            model_name=model_name_in_use(),
            stuck_after=dt.timedelta(minutes=REQUEUE_AFTER_MINUTES),
        )


@worker_process_init.connect
def _engine_load(**kwargs: object) -> None:
    """Each worker process loads its face engine as it starts (KIOSK_WARM_AT_START, as the
    web processes do), so that the first enrolment after a start does not wait for it."""
    if not settings.KIOSK_WARM_AT_START:
        return
    try:
        get_engine()
    except Exception:  # the models are missing: each enrolment will say so, as before
        logger.exception("The face engine could not be loaded at start")
