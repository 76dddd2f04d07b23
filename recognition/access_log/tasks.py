from celery import shared_task

from recognition.access_log import snapshots


@shared_task(name="recognition.tasks.access_snapshots_prune")
def access_snapshots_prune() -> None:
    """Run by Celery beat: delete face snapshots past their gate's retention period."""
    snapshots.access_snapshots_prune()
