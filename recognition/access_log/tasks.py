from celery import shared_task

from recognition.access_log import anchors, retention, snapshots


@shared_task(name="recognition.tasks.access_snapshots_prune")
def access_snapshots_prune() -> None:
    """Run by Celery beat: delete face snapshots past their gate's retention period."""
    snapshots.access_snapshots_prune()


@shared_task(name="recognition.tasks.access_events_prune")
def access_events_prune() -> None:
    """Run by Celery beat: prune access events past their site's retention period."""
    retention.access_events_prune()


@shared_task(name="recognition.tasks.audit_anchor_write")
def audit_anchor_write() -> None:
    """Run by Celery beat: sign the chain's head and write it out, when it has moved."""
    anchors.audit_anchor_write()
