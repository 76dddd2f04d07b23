from celery import shared_task

from recognition import services


@shared_task(acks_late=True, max_retries=3, default_retry_delay=10)
def enroll_face_photo(photo_id: int) -> None:
    """Enrol one face photo; the outcome is on the FacePhoto row, not in Celery."""
    services.face_photo_enroll(photo_id=photo_id)
