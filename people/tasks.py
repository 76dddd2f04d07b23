from celery import shared_task

from people import visits


@shared_task(name="people.tasks.visits_end")
def visits_end() -> None:
    """Run by Celery beat: end the visits whose time is over (their face data deleted)."""
    visits.visits_end()
