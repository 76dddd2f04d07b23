from celery import shared_task

from recognition.reports import exports, schedules


@shared_task(name="recognition.tasks.report_export_run", acks_late=True)
def report_export_run(export_id: int) -> None:
    """Produce one report export; its progress and outcome are on the ReportExport row."""
    exports.report_export_run(export_id=export_id)


@shared_task(name="recognition.tasks.scheduled_reports_run")
def scheduled_reports_run() -> None:
    """Run by Celery beat: queue the scheduled reports whose period has ended."""
    schedules.scheduled_reports_run()


@shared_task(name="recognition.tasks.report_exports_prune")
def report_exports_prune() -> None:
    """Run by Celery beat: delete report files past REPORT_KEEP_DAYS."""
    exports.report_exports_prune()
