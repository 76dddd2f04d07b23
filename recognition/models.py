from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from people.validators import validate_photo_pixels, validate_photo_size
from recognition.storage import face_photo_storage


def face_photo_path(photo: FacePhoto, filename: str) -> str:
    # A random name: the file name must not reveal whose face it is.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"faces/{uuid.uuid4().hex}.{suffix[:5]}"


class FacePhoto(models.Model):
    """A photo of a person's face for recognition, and what enrolment made of it.

    The photo file and the embedding are encrypted at rest (``recognition.crypto``). Deleting
    the photo or the person deletes the file, the embedding and, on the next refresh, the
    gallery entry.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ENROLLED = "enrolled", "Enrolled"
        REJECTED = "rejected", "Rejected"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="face_photos"
    )
    image = models.ImageField(
        upload_to=face_photo_path,
        storage=face_photo_storage,
        validators=[validate_photo_size, validate_photo_pixels],
        help_text="Stored encrypted.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why the photo was rejected, or a warning."
    )
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    model_name = models.CharField(max_length=60, blank=True, editable=False)
    face_px = models.PositiveIntegerField(null=True, blank=True, editable=False)
    sharpness = models.FloatField(null=True, blank=True, editable=False)
    similar_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="Another person this face resembles closely.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "model_name"])]

    def __str__(self) -> str:
        return f"Face photo {self.pk} of {self.person}"


class Kiosk(models.Model):
    """A tablet at a gate. It pairs once through a one-time link and then holds its own
    credential (a cookie); only hashes of the link token and of the credential are stored."""

    name = models.CharField(max_length=120)
    gate = models.ForeignKey(
        "gates.Gate",
        on_delete=models.SET_NULL,
        null=True,
        related_name="kiosks",
        help_text="The gate this kiosk decides for. A kiosk without a gate shows an error.",
    )
    pairing_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    pairing_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    credential_hash = models.CharField(max_length=64, blank=True, editable=False)
    paired_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["pairing_token_hash"]),
            models.Index(fields=["credential_hash"]),
        ]

    def __str__(self) -> str:
        return self.name


class AppendOnlyError(Exception):
    """Evidence is never changed or deleted through the application."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be deleted.")


class AppendOnlyModel(models.Model):
    """Rows are inserted once and never updated or deleted by the model layer (the admin and
    the API go through it too). The database itself is not locked: audit_verify detects what
    is done to the rows behind the application's back."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"A saved {self._meta.verbose_name} cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"A saved {self._meta.verbose_name} cannot be deleted.")


def _kept_reference(to: str, **kwargs) -> models.ForeignKey:
    """A reference that keeps the id it recorded when the row it names is deleted: the id is
    part of the event's hash, and a deleted person or gate must not rewrite the log. Names are
    copied beside it for that case."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        **kwargs,
    )


class AccessEvent(AppendOnlyModel):
    """One passage at a kiosk: the decision and the evidence for it (not one row per frame).

    Append-only and hash-chained (``recognition.audit``): ``sequence`` numbers the events
    without gaps and ``entry_hash`` covers this event's recorded facts and the previous
    event's hash. Names are copied at the time of the passage so that the record still says
    who and where after a person, gate or kiosk is deleted.
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    kiosk = _kept_reference(Kiosk)
    kiosk_name = models.CharField(max_length=120)
    gate = _kept_reference("gates.Gate")
    gate_name = models.CharField(max_length=250)
    site_name = models.CharField(max_length=200, blank=True)
    person = _kept_reference("people.Person")
    person_name = models.CharField(max_length=250, blank=True)
    granted = models.BooleanField()
    reason = models.CharField(max_length=40)
    rule = _kept_reference("gates.AccessRule")
    rule_name = models.CharField(max_length=250, blank=True)
    distance = models.FloatField(null=True, blank=True, help_text="Mean face distance.")
    margin = models.FloatField(null=True, blank=True, help_text="Smallest margin to the next.")
    liveness = models.FloatField(null=True, blank=True, help_text="Mean liveness score.")
    model_name = models.CharField(
        max_length=80, blank=True, help_text="The recognition model and distance metric."
    )
    frames = models.PositiveSmallIntegerField(help_text="Frames that agreed on the decision.")
    snapshot_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the face snapshot, when one was kept."
    )

    class Meta:
        ordering = ["-occurred_at", "-sequence"]
        permissions = [("export_accessevent", "Can export access events")]
        indexes = [
            models.Index(fields=["gate", "occurred_at"]),
            models.Index(fields=["person", "occurred_at"]),
            models.Index(fields=["reason", "occurred_at"]),
        ]

    def __str__(self) -> str:
        outcome = "granted" if self.granted else "denied"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.gate_name}: {outcome} ({self.reason})"


def access_snapshot_path(snapshot: AccessSnapshot, filename: str) -> str:
    return f"access-snapshots/{snapshot.taken_at:%Y/%m}/{uuid.uuid4().hex}.jpg.enc"


class AccessSnapshot(models.Model):
    """The face as the kiosk saw it for one access event, where the gate keeps snapshots:
    cropped to the face, encrypted on disk, deleted after the gate's retention period (or with
    the person). The event's ``snapshot_sha256`` proves which picture it was."""

    event = models.OneToOneField(
        "AccessEvent", on_delete=models.DO_NOTHING, db_constraint=False, related_name="snapshot"
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Deleting the person deletes their snapshots.",
    )
    image = models.FileField(upload_to=access_snapshot_path, storage=face_photo_storage)
    taken_at = models.DateTimeField()
    delete_after = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Face snapshot of event {self.event_id}"


class AuditChainHead(models.Model):
    """The last link of the access events' chain (one row). Appending locks it, so writers in
    any number of processes take turns; audit_verify also checks that the chain reaches it
    (a deleted last event or one appended behind the application's back shows up)."""

    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Access log head at event {self.sequence}"


class DoorActuation(AppendOnlyModel):
    """What the door output answered for a granted passage. Recorded after the event (the
    event is committed before the door fires) and bound to it: ``digest`` covers these facts
    and the event's hash."""

    event = models.OneToOneField(
        AccessEvent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="door",
    )
    opened = models.BooleanField()
    detail = models.CharField(max_length=250, blank=True)
    recorded_at = models.DateTimeField()
    digest = models.CharField(max_length=64, editable=False)

    def __str__(self) -> str:
        return f"Door {'opened' if self.opened else 'not opened'} for event {self.event_id}"


class ReportExport(models.Model):
    """One export of a selection of the access log to a file, made by a Celery task (large
    selections and scheduled reports) with its progress here. The file is served only through
    the application, to whoever may see it."""

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
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
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
    previous day, or the previous Monday-to-Sunday week, in the site's time zone) and keeps
    it for download."""

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
