"""Report files exported from the access log, once or on a schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accessportal.data_at_rest import encrypted_storage


class ReportExport(models.Model):
    """One export of a selection of the access log to a file, made by a Celery task (large
    selections and scheduled reports) with its progress here. The file is served only through
    the application, to whoever may see it, and is stored encrypted."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"
        PDF = "pdf", "PDF"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=4, choices=Format.choices)
    filters = models.JSONField(default=dict, help_text="The selection, as the report's filters.")
    description = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    scheduled_report = models.ForeignKey(
        "ScheduledReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", storage=encrypted_storage, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export {self.pk}: {self.description}"

    @property
    def progress(self) -> int:
        """Percent done (0-100)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class ScheduledReport(models.Model):
    """A recurring export a manager sets up; Celery beat produces it after each period (the
    previous day, or the previous Monday-to-Sunday week, in the server's time zone,
    ACCESSPORTAL_TIME_ZONE, not the site's) and keeps it for download."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily (the previous day)"
        WEEKLY = "weekly", "Weekly (the previous Monday to Sunday)"

    name = models.CharField(max_length=120)
    frequency = models.CharField(max_length=6, choices=Frequency.choices)
    format = models.CharField(max_length=4, choices=ReportExport.Format.choices)
    site = models.ForeignKey("gates.Site", on_delete=models.CASCADE, null=True, blank=True)
    gate = models.ForeignKey("gates.Gate", on_delete=models.CASCADE, null=True, blank=True)
    group = models.ForeignKey("people.PersonGroup", on_delete=models.CASCADE, null=True, blank=True)
    decision = models.CharField(
        max_length=7,
        blank=True,
        choices=[("granted", "Granted only"), ("denied", "Denied only")],
    )
    is_active = models.BooleanField(default=True)
    last_period_end = models.DateField(
        null=True, blank=True, editable=False, help_text="The last day already reported."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
