from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

from accessportal.data_at_rest import encrypted_storage
from people.validators import validate_photo_pixels, validate_photo_size


def display_photo_path(person: Person, filename: str) -> str:
    # A random name: the file name must not say whose photo it is.
    return f"people/display/{uuid.uuid4().hex}.enc"


class PersonGroup(models.Model):
    """A set of people that access rules can name at once: a department, contractors..."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "Department"
        CONTRACTORS = "contractors", "Contractors"
        VISITORS = "visitors", "Visitors"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        # "Groups" alone is taken in the admin by the operator roles (auth groups).
        verbose_name = "person group"

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who may be recognised at a gate. Validity dates are inclusive, site-local days."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    employee_number = models.CharField(
        max_length=40, blank=True, help_text="Unique when given; leave empty for visitors."
    )
    email = models.EmailField(blank=True)
    photo = models.ImageField(
        upload_to=display_photo_path,
        storage=encrypted_storage,
        blank=True,
        validators=[validate_photo_size, validate_photo_pixels],
        help_text="A photo for display to operators, stored encrypted. Face photos for "
        "recognition are separate.",
    )
    groups = models.ManyToManyField(PersonGroup, related_name="members", blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Inactive people are denied everywhere, whatever the rules say."
    )
    valid_from = models.DateField(
        null=True, blank=True, help_text="First day (site-local) this person may pass."
    )
    valid_until = models.DateField(
        null=True, blank=True, help_text="Last day (site-local) this person may pass."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="person_employee_number_unique",
                violation_error_message="Another person already has this employee number.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="person_validity_ordered",
                violation_error_message="'Valid until' must not be before 'valid from'.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
