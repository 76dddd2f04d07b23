from celery import shared_task

from recognition.doors import states


@shared_task(name="recognition.tasks.doors_held_open_check")
def doors_held_open_check() -> None:
    """Run by Celery beat: the held-open alarm for each door open too long."""
    states.doors_held_open_check()
