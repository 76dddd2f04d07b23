"""Report files exported from the access log, once or on a schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accessportal.data_at_rest import encrypted_storage


class ReportExport(models.Model):
    """One export of a selection of the access log to a file, made by a Celery task (large
    selections and scheduled reports) with its progress here. The file is served only through
    the application, to whoever may see it, and is stored encrypted."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")
        PDF = "pdf", _("PDF")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    format = models.CharField(max_length=4, choices=Format.choices, verbose_name=_("format"))
    filters = models.JSONField(
        default=dict,
        help_text=_("The selection, as the report's filters."),
        verbose_name=_("filters"),
    )
    description = models.CharField(max_length=500, blank=True, verbose_name=_("description"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    scheduled_report = models.ForeignKey(
        "ScheduledReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
        verbose_name=_("scheduled report"),
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("rows total"))
    rows_done = models.PositiveIntegerField(default=0, verbose_name=_("rows done"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    file = models.FileField(
        upload_to="reports/%Y/%m/", storage=encrypted_storage, blank=True, verbose_name=_("file")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")

    def __str__(self) -> str:
        return gettext("%(format)s export %(number)s: %(selection)s") % {
            "format": self.get_format_display(),
            "number": self.pk,
            "selection": self.description,
        }

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
        DAILY = "daily", _("Daily (the previous day)")
        WEEKLY = "weekly", _("Weekly (the previous Monday to Sunday)")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    frequency = models.CharField(
        max_length=6, choices=Frequency.choices, verbose_name=_("frequency")
    )
    format = models.CharField(
        max_length=4, choices=ReportExport.Format.choices, verbose_name=_("format")
    )
    site = models.ForeignKey(
        "gates.Site", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("site")
    )
    gate = models.ForeignKey(
        "gates.Gate", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("gate")
    )
    group = models.ForeignKey(
        "people.PersonGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("group"),
    )
    decision = models.CharField(
        max_length=7,
        blank=True,
        choices=[("granted", _("Granted only")), ("denied", _("Denied only"))],
        verbose_name=_("decision"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    last_period_end = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The last day already reported."),
        verbose_name=_("last period end"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self) -> str:
        return self.name
