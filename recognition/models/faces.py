"""The face photos a person is enrolled from."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
        PENDING = "pending", _("Pending")
        ENROLLED = "enrolled", _("Enrolled")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="face_photos",
        verbose_name=_("person"),
    )
    image = models.ImageField(
        upload_to=face_photo_path,
        storage=encrypted_storage,
        validators=[validate_photo_size, validate_photo_pixels],
        help_text=_("Stored encrypted."),
        verbose_name=_("image"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    reason_code = models.CharField(max_length=40, blank=True, verbose_name=_("reason code"))
    reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Why the photo was rejected, or a warning."),
        verbose_name=_("reason"),
    )
    embedding = models.BinaryField(
        null=True, blank=True, editable=False, verbose_name=_("embedding")
    )
    model_name = models.CharField(
        max_length=60, blank=True, editable=False, verbose_name=_("model name")
    )
    face_px = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("face px")
    )
    sharpness = models.FloatField(
        null=True, blank=True, editable=False, verbose_name=_("sharpness")
    )
    similar_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("Another person this face resembles closely."),
        verbose_name=_("similar person"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "model_name"])]
        verbose_name = _("face photo")
        verbose_name_plural = _("face photos")

    def __str__(self) -> str:
        return gettext("Face photo %(number)s of %(person)s") % {
            "number": self.pk,
            "person": self.person,
        }
