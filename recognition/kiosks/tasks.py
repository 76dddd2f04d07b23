from celery import shared_task

from recognition.kiosks import alerts


@shared_task(name="recognition.tasks.kiosks_offline_alert")
def kiosks_offline_alert() -> None:
    """Run by Celery beat: an alert for each kiosk gone offline."""
    alerts.kiosks_offline_alert()
