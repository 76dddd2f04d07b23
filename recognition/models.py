from __future__ import annotations

import uuid

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


class AccessEvent(models.Model):
    """One passage at a kiosk: the decision and the evidence for it (not one row per frame).

    Names are copied at the time of the passage so that the record still says who and where
    after a person, gate or kiosk is deleted.
    """

    occurred_at = models.DateTimeField(db_index=True)
    kiosk = models.ForeignKey(
        Kiosk, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    kiosk_name = models.CharField(max_length=120)
    gate = models.ForeignKey(
        "gates.Gate", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    gate_name = models.CharField(max_length=250)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
    )
    person_name = models.CharField(max_length=250, blank=True)
    granted = models.BooleanField()
    reason = models.CharField(max_length=40)
    rule = models.ForeignKey(
        "gates.AccessRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    distance = models.FloatField(null=True, blank=True, help_text="Mean face distance.")
    margin = models.FloatField(null=True, blank=True, help_text="Smallest margin to the next.")
    liveness = models.FloatField(null=True, blank=True, help_text="Mean liveness score.")
    frames = models.PositiveSmallIntegerField(help_text="Frames that agreed on the decision.")
    door_opened = models.BooleanField(default=False)
    door_detail = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["gate", "occurred_at"])]

    def __str__(self) -> str:
        outcome = "granted" if self.granted else "denied"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.gate_name}: {outcome} ({self.reason})"
