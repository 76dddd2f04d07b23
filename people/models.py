from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accessportal.data_at_rest import encrypted_storage
from people.validators import validate_photo_pixels, validate_photo_size


def display_photo_path(person: Person, filename: str) -> str:
    # A random name: the file name must not say whose photo it is.
    return f"people/display/{uuid.uuid4().hex}.enc"


class PersonGroup(models.Model):
    """A set of people that access rules can name at once: a department, contractors..."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        CONTRACTORS = "contractors", _("Contractors")
        VISITORS = "visitors", _("Visitors")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT, verbose_name=_("kind")
    )
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        ordering = ["name"]
        # "Groups" alone is taken in the admin by the operator roles (auth groups).
        verbose_name = _("person group")
        verbose_name_plural = _("person groups")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who may be recognised at a gate. Validity dates are inclusive, site-local days."""

    first_name = models.CharField(max_length=100, verbose_name=_("first name"))
    last_name = models.CharField(max_length=100, verbose_name=_("last name"))
    employee_number = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("Unique when given; leave empty for visitors."),
        verbose_name=_("employee number"),
    )
    badge_number = models.CharField(
        max_length=40,
        blank=True,
        help_text=_(
            "The number a badge reader gives for this person's card, when they have one. "
            "At gates that ask for a pass first, the badge, this number or the employee number "
            "typed on the kiosk's keypad names the person, and their face is then checked against "
            "theirs only."
        ),
        verbose_name=_("badge number"),
    )
    pass_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Counts the person's QR passes: issuing a new one makes every older one void."),
        verbose_name=_("pass version"),
    )
    email = models.EmailField(blank=True, verbose_name=_("email"))
    photo = models.ImageField(
        upload_to=display_photo_path,
        storage=encrypted_storage,
        blank=True,
        validators=[validate_photo_size, validate_photo_pixels],
        help_text=_(
            "A photo for display to operators, stored encrypted. Face photos for "
            "recognition are separate."
        ),
        verbose_name=_("photo"),
    )
    groups = models.ManyToManyField(
        PersonGroup, related_name="members", blank=True, verbose_name=_("groups")
    )
    is_active = models.BooleanField(
        default=True,
        help_text=_("Inactive people are denied everywhere, whatever the rules say."),
        verbose_name=_("is active"),
    )
    valid_from = models.DateField(
        null=True,
        blank=True,
        help_text=_("First day (site-local) this person may pass."),
        verbose_name=_("valid from"),
    )
    valid_until = models.DateField(
        null=True,
        blank=True,
        help_text=_("Last day (site-local) this person may pass."),
        verbose_name=_("valid until"),
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    always_second_factor = models.BooleanField(
        _("always ask for their PIN"),
        default=False,
        help_text=_(
            "Ask for their PIN at every gate, even where the face alone suffices: for "
            "someone with a look-alike or twin enrolled, whose face alone could be mistaken."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = _("people")
        permissions = [
            ("export_person_data", "Can export everything held about a person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="person_employee_number_unique",
                violation_error_message=_("Another person already has this employee number."),
            ),
            models.UniqueConstraint(
                fields=["badge_number"],
                condition=~Q(badge_number=""),
                name="person_badge_number_unique",
                violation_error_message=_("Another person already has this badge number."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="person_validity_ordered",
                violation_error_message="'Valid until' must not be before 'valid from'.",
            ),
        ]
        verbose_name = _("person")

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
        ENGLISH = "en", _("English")
        CHINESE = "zh-hans", _("简体中文 (Simplified Chinese)")

    language = models.CharField(
        max_length=10, choices=Language.choices, default="en", verbose_name=_("language")
    )
    text = models.TextField(verbose_name=_("text"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["language", "-created_at", "-id"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")

    def __str__(self) -> str:
        return f"{self.get_language_display()}, {self.created_at:%Y-%m-%d}"


class Consent(models.Model):
    """A person's consent to the use of their face, with the words they agreed to, how and
    when; until it is withdrawn, face photos may be enrolled. Withdrawing deletes them."""

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form (kept on file)")
        ON_SCREEN = "on_screen", _("Agreed on screen, an operator present")
        VISITOR_LINK = "visitor_link", _("Agreed by the visitor on their own phone (visit link)")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person")
    )
    text = models.TextField(
        help_text=_("The words the person agreed to, as shown to them."), verbose_name=_("text")
    )
    language = models.CharField(
        max_length=10, choices=ConsentText.Language.choices, verbose_name=_("language")
    )
    method = models.CharField(max_length=20, choices=Method.choices, verbose_name=_("method"))
    reference = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Where the signed form is kept, when there is one."),
        verbose_name=_("reference"),
    )
    given_at = models.DateTimeField(verbose_name=_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    class Meta:
        ordering = ["-given_at", "-id"]
        get_latest_by = "given_at"
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        if self.withdrawn_at:
            return gettext("Consent of %(given)s, withdrawn %(withdrawn)s") % {
                "given": f"{self.given_at:%Y-%m-%d}",
                "withdrawn": f"{self.withdrawn_at:%Y-%m-%d}",
            }
        return gettext("Consent of %(given)s, in force") % {"given": f"{self.given_at:%Y-%m-%d}"}


class PersonPin(models.Model):
    """A person's PIN for gates that ask for one besides the face, hashed like a password
    (``people.pins``), and their duress PIN: it opens like the PIN and raises a silent alarm.
    Wrong PINs are counted; too many lock the PIN for a while."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="pin", verbose_name=_("person")
    )
    pin_hash = models.CharField(max_length=128, verbose_name=_("pin hash"))
    duress_pin_hash = models.CharField(
        max_length=128, blank=True, verbose_name=_("duress pin hash")
    )
    failures = models.PositiveSmallIntegerField(default=0, verbose_name=_("failures"))
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("locked until"))
    set_at = models.DateTimeField(auto_now=True, verbose_name=_("set at"))

    class Meta:
        verbose_name = _("PIN")
        verbose_name_plural = _("PINs")

    def __str__(self) -> str:
        return gettext("PIN of %(person)s") % {"person": self.person}


class Visit(models.Model):
    """A visitor's stay: who invited them and when they may pass (to the minute; the access
    rules made with the visit name the gates). When it ends, their face photos are deleted,
    their QR pass voided and the person switched off (``people.visits``); the record and
    their passages stay."""

    visitor = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="visit", verbose_name=_("visitor")
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host"),
    )
    host_name = models.CharField(
        max_length=150, help_text=_("Who invited the visitor."), verbose_name=_("host name")
    )
    company = models.CharField(max_length=200, blank=True, verbose_name=_("company"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    ended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the visit ended and the face data was deleted."),
        verbose_name=_("ended at"),
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
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return gettext("Visit of %(visitor)s (%(day)s)") % {
            "visitor": self.visitor,
            "day": f"{self.starts_at:%Y-%m-%d}",
        }
