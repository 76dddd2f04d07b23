from __future__ import annotations

import uuid

from django.conf import settings
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
    badge_number = models.CharField(
        max_length=40,
        blank=True,
        help_text="The number a badge reader gives for this person's card, when they have one. "
        "At gates that ask for a pass first, the badge, this number or the employee number "
        "typed on the kiosk's keypad names the person, and their face is then checked against "
        "theirs only.",
    )
    pass_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Counts the person's QR passes: issuing a new one makes every older one void.",
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
    always_second_factor = models.BooleanField(
        "always ask for their PIN",
        default=False,
        help_text="Ask for their PIN at every gate, even where the face alone suffices: for "
        "someone with a look-alike or twin enrolled, whose face alone could be mistaken.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "people"
        permissions = [
            ("export_person_data", "Can export everything held about a person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="person_employee_number_unique",
                violation_error_message="Another person already has this employee number.",
            ),
            models.UniqueConstraint(
                fields=["badge_number"],
                condition=~Q(badge_number=""),
                name="person_badge_number_unique",
                violation_error_message="Another person already has this badge number.",
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


class ConsentText(models.Model):
    """The words a person agrees to before their face is enrolled. Managers write them here;
    the newest of a language is offered, and each consent keeps its own copy, so a later
    rewording never changes what someone agreed to."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        CHINESE = "zh-hans", "简体中文 (Simplified Chinese)"

    language = models.CharField(max_length=10, choices=Language.choices, default="en")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language", "-created_at", "-id"]
        verbose_name = "consent text"

    def __str__(self) -> str:
        return f"{self.get_language_display()}, {self.created_at:%Y-%m-%d}"


class Consent(models.Model):
    """A person's consent to the use of their face, with the words they agreed to, how and
    when; until it is withdrawn, face photos may be enrolled. Withdrawing deletes them."""

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", "Signed form (kept on file)"
        ON_SCREEN = "on_screen", "Agreed on screen, an operator present"
        VISITOR_LINK = "visitor_link", "Agreed by the visitor on their own phone (visit link)"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    text = models.TextField(help_text="The words the person agreed to, as shown to them.")
    language = models.CharField(max_length=10, choices=ConsentText.Language.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Where the signed form is kept, when there is one."
    )
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-given_at", "-id"]
        get_latest_by = "given_at"

    def __str__(self) -> str:
        state = f"withdrawn {self.withdrawn_at:%Y-%m-%d}" if self.withdrawn_at else "in force"
        return f"Consent of {self.given_at:%Y-%m-%d}, {state}"


class PersonPin(models.Model):
    """A person's PIN for gates that ask for one besides the face, hashed like a password
    (``people.pins``), and their duress PIN: it opens like the PIN and raises a silent alarm.
    Wrong PINs are counted; too many lock the PIN for a while."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="pin")
    pin_hash = models.CharField(max_length=128)
    duress_pin_hash = models.CharField(max_length=128, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "PIN"

    def __str__(self) -> str:
        return f"PIN of {self.person}"


class Visit(models.Model):
    """A visitor's stay: who invited them and when they may pass (to the minute; the access
    rules made with the visit name the gates). When it ends, their face photos are deleted,
    their QR pass voided and the person switched off (``people.visits``); the record and
    their passages stay."""

    visitor = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="visit")
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    host_name = models.CharField(max_length=150, help_text="Who invited the visitor.")
    company = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When the visit ended and the face data was deleted."
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="visit_ends_after_it_starts",
                violation_error_message="A visit must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit of {self.visitor} ({self.starts_at:%Y-%m-%d})"
