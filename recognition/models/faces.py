"""The face photos a person is enrolled from."""

from __future__ import annotations

import uuid

from django.db import models

from accessportal.data_at_rest import encrypted_storage
from people.validators import validate_photo_pixels, validate_photo_size


def face_photo_path(photo: FacePhoto, filename: str) -> str:
    # A random name: the file name must not reveal whose face it is.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"faces/{uuid.uuid4().hex}.{suffix[:5]}"


class FacePhoto(models.Model):
    """A photo of a person's face for recognition, and what enrolment made of it.

    The photo file and the embedding are encrypted at rest (``accessportal.data_at_rest``). Deleting
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
        storage=encrypted_storage,
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
