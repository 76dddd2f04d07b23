from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gates.doors import door_output_choices
from gates.windows import describe_window


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone; use an IANA name such as Europe/Berlin."),
            params={"value": value},
            code="unknown_timezone",
        )


class Site(models.Model):
    """A building or campus. Schedules are read in its local time, DST included."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("IANA time zone, e.g. Europe/Berlin."),
        verbose_name=_("timezone"),
    )
    address = models.TextField(blank=True, verbose_name=_("address"))
    access_log_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text=_(
            "Days the access events of this site's gates are kept; empty keeps them. "
            "Pruned events leave their place in the hash chain, under a signed anchor."
        ),
        verbose_name=_("access log retention days"),
    )

    class Language(models.TextChoices):  # the product's languages (settings.LANGUAGES)
        ENGLISH = "en", _("English")
        CHINESE = "zh-hans", _("简体中文 (Simplified Chinese)")

    language = models.CharField(
        max_length=10,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("What this site's kiosks speak. People's names are shown as typed."),
        verbose_name=_("language"),
    )
    unrecognised_advice = models.CharField(
        _("next step for someone not recognised"),
        max_length=200,
        blank=True,
        default="Please ask at reception.",
        help_text=_(
            "Shown at this site's kiosks to a person who was not recognised (empty: "
            "nothing more than 'Not recognised.'), e.g. "
            '"Please call reception on 030 1234 5678" or "Visitors: please check in at the desk".'
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class GateGroup(models.Model):
    """Gates that rules can name at once, e.g. 'all main entrances'. With anti-passback, the
    group is an area: its "in" gates enter it, its "out" gates leave it."""

    class AntiPassback(models.TextChoices):
        OFF = "off", _("Off")
        SOFT = "soft", _("Soft: let them through and raise an alert")
        HARD = "hard", _("Hard: deny until they pass the other way")
        TIMED = "timed", _("Timed: deny the same way again for some minutes")

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    anti_passback = models.CharField(
        max_length=10,
        choices=AntiPassback.choices,
        default=AntiPassback.OFF,
        help_text=_(
            "Whether someone who entered through an 'in' gate of this group may enter "
            "again before leaving through an 'out' gate (and the other way round)."
        ),
        verbose_name=_("anti passback"),
    )
    anti_passback_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_("Timed anti-passback: minutes before the same way is allowed again."),
        verbose_name=_("anti passback minutes"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("gate group")
        verbose_name_plural = _("gate groups")

    def __str__(self) -> str:
        return self.name


class Gate(models.Model):
    """An entrance with a door a kiosk controls."""

    class Direction(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")
        BOTH = "both", _("Both ways")

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="gates", verbose_name=_("site")
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    direction = models.CharField(
        max_length=4, choices=Direction.choices, default=Direction.IN, verbose_name=_("direction")
    )
    groups = models.ManyToManyField(
        GateGroup, related_name="gates", blank=True, verbose_name=_("gate groups")
    )
    is_active = models.BooleanField(
        default=True, help_text=_("A disabled gate denies everyone."), verbose_name=_("is active")
    )
    liveness_required = models.BooleanField(
        default=True,
        help_text=_(
            "Check that the face is a live person, not a photo or a screen "
            "(where the anti-spoofing model is installed)."
        ),
        verbose_name=_("liveness required"),
    )

    class Verification(models.TextChoices):
        FACE = "face", _("Face only")
        FACE_AND_PIN = "face_and_pin", _("Face, then PIN")
        CLAIM_THEN_FACE = "claim_then_face", _("Pass or number first, then the face (1:1)")

    verification = models.CharField(
        max_length=20,
        choices=Verification.choices,
        default=Verification.FACE,
        help_text=_(
            "What a person shows besides their face. 'Pass or number first': the person "
            "shows their QR pass to the camera, badges in or types their badge or employee number, "
            "and their face is then compared with theirs only, not with everyone enrolled (twins "
            "and look-alikes cannot pass for each other). People marked 'always ask for their PIN' "
            "are asked for it at every gate."
        ),
        verbose_name=_("verification"),
    )
    liveness_turn = models.BooleanField(
        _("ask for a head turn"),
        default=False,
        help_text=_(
            "Before deciding, ask each recognised person to turn their head to the left "
            "or the right (chosen at random each time): a photo or a screen held up to the camera "
            "does not turn in three dimensions. Adds about two seconds at the door."
        ),
    )
    snapshot_faces = models.BooleanField(
        default=False,
        help_text=_(
            "Keep a picture of the face, cropped, with each access event at this gate "
            "(encrypted on disk, deleted after the retention period)."
        ),
        verbose_name=_("snapshot faces"),
    )
    snapshot_retention_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Days a face snapshot is kept before it is deleted."),
        verbose_name=_("snapshot retention days"),
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    door_output = models.CharField(
        max_length=40,
        choices=door_output_choices,
        default="log",
        help_text=_("What a granted passage fires. Errors never open the door."),
        verbose_name=_("door output"),
    )
    door_webhook_url = models.URLField(
        _("door webhook URL"), blank=True, help_text=_("For the webhook output: where to POST.")
    )
    door_webhook_secret = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "For the webhook output: the HMAC-SHA256 key the receiver checks "
            "the X-AccessPortal-Signature header with."
        ),
        verbose_name=_("door webhook secret"),
    )

    offline_allow_list = models.BooleanField(
        _("offline allow-list"),
        default=False,
        help_text=_(
            "While the server cannot be reached, let the kiosk open the door for people "
            "who type their badge or employee number and their PIN, from a list the server signed "
            "(valid for 'offline list hours'; people with a PIN and a number only). Off: an "
            "offline kiosk opens nothing (fail-secure)."
        ),
    )
    offline_door_url = models.URLField(
        _("offline door URL"),
        blank=True,
        help_text=_(
            "For the offline allow-list: the door controller on the kiosk's own network, "
            "which the tablet tells to open (commands signed with the kiosk's device key)."
        ),
    )
    offline_list_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_("How long a kiosk's offline allow-list stays valid after it was last online."),
        verbose_name=_("offline list hours"),
    )
    door_sensor_secret = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "For a door sensor: the HMAC-SHA256 key its reports to "
            "/doors/<gate slug>/sensor are signed with (as the webhook output's). Empty: no sensor."
        ),
        verbose_name=_("door sensor secret"),
    )
    door_release_seconds = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_(
            "After a granted passage, how long the door may open before its opening "
            "counts as forced."
        ),
        verbose_name=_("door release seconds"),
    )
    door_held_open_seconds = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(3600)],
        help_text=_(
            "How long the door may stay open after it was let open before the held-open alarm."
        ),
        verbose_name=_("door held open seconds"),
    )

    class Meta:
        ordering = ["site__name", "name"]
        permissions = [("operate_door", "Can unlock, lock and lock down doors")]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="gate_name_unique_per_site",
                violation_error_message=_("This site already has a gate with this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(offline_allow_list=False) | ~models.Q(offline_door_url=""),
                name="gate_offline_list_has_door_url",
                violation_error_message=_("An offline allow-list needs the offline door URL."),
            ),
            models.CheckConstraint(
                condition=~models.Q(door_output="webhook")
                | (~models.Q(door_webhook_url="") & ~models.Q(door_webhook_secret="")),
                name="gate_webhook_has_url_and_secret",
                violation_error_message="A webhook door output needs a URL and a secret.",
            ),
        ]
        verbose_name = _("gate")
        verbose_name_plural = _("gates")

    def __str__(self) -> str:
        return f"{self.site.name} / {self.name}" if self.site_id else self.name


class DoorState(models.Model):
    """A gate's door now: what its sensor last said, until when it may open without an alarm
    (a granted passage, a remote unlock), whether it is locked down, and the alarm standing
    for its current opening. Changed by ``recognition.doors``; each change that matters is
    recorded in the access log's chain as a door event."""

    class Sensor(models.TextChoices):
        UNKNOWN = "unknown", _("No sensor report")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    gate = models.OneToOneField(
        Gate,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="door_state",
        verbose_name=_("gate"),
    )
    sensor = models.CharField(
        max_length=10, choices=Sensor.choices, default=Sensor.UNKNOWN, verbose_name=_("sensor")
    )
    sensor_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("sensor changed at")
    )
    released_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Until then the door may open without an alarm."),
        verbose_name=_("released until"),
    )
    unlocked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("unlocked until"))
    locked_down_at = models.DateTimeField(null=True, blank=True, verbose_name=_("locked down at"))
    alarm = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("The alarm raised for the current opening, if any."),
        verbose_name=_("alarm"),
    )

    class Meta:
        verbose_name = _("door state")
        verbose_name_plural = _("door states")

    def __str__(self) -> str:
        return str(
            _("Door of %(gate)s: %(sensor)s")
            % {"gate": self.gate, "sensor": self.get_sensor_display()}
        )


class WindowBase(models.Model):
    """A span of wall-clock time in the site's time zone.

    With ``ends_next_day`` the window runs from ``start`` to ``end`` on the following day
    (a night shift, 22:00 to 06:00); 00:00 to 00:00 next day is a whole day. The end is
    exclusive: a window to 18:00 is closed at 18:00:00.
    """

    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(verbose_name=_("end"))
    ends_next_day = models.BooleanField(
        default=False,
        help_text=_("Tick for a window that crosses midnight."),
        verbose_name=_("ends next day"),
    )

    class Meta:
        abstract = True
        ordering = ["start"]

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if not self.ends_next_day and self.end <= self.start:
            raise ValidationError(
                {
                    "end": _(
                        "The end is before the start. Tick 'ends next day' for a window "
                        "that crosses midnight."
                    )
                }
            )
        if self.ends_next_day and self.end > self.start:
            raise ValidationError(
                {"end": _("A window that ends the next day cannot be longer than 24 hours.")}
            )

    def describe(self) -> str:
        return describe_window(self.start, self.end, self.ends_next_day)


class HolidayCalendar(models.Model):
    """Dates that override the week, e.g. public holidays of one country."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("holiday calendar")
        verbose_name_plural = _("holiday calendars")

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A date on which the calendar's schedules follow this day instead of the week.

    Without windows the day is closed; with windows, only they are open.
    """

    calendar = models.ForeignKey(
        HolidayCalendar,
        on_delete=models.CASCADE,
        related_name="holidays",
        verbose_name=_("calendar"),
    )
    date = models.DateField(verbose_name=_("date"))
    name = models.CharField(max_length=120, verbose_name=_("name"))

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="holiday_date_unique_per_calendar",
                violation_error_message=_("This calendar already has an entry for this date."),
            )
        ]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class HolidayWindow(WindowBase):
    holiday = models.ForeignKey(
        Holiday, on_delete=models.CASCADE, related_name="windows", verbose_name=_("holiday")
    )

    class Meta(WindowBase.Meta):
        verbose_name = _("special opening window")
        verbose_name_plural = _("holiday windows")

    def __str__(self) -> str:
        return f"{self.holiday}: {self.describe()}" if self.holiday_id else self.describe()


class Schedule(models.Model):
    """When access is possible: weekly windows, overridden on holiday dates."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    holiday_calendars = models.ManyToManyField(
        HolidayCalendar, related_name="schedules", blank=True, verbose_name=_("holiday calendars")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return self.name


class TimeWindow(WindowBase):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="windows", verbose_name=_("schedule")
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, verbose_name=_("weekday"))

    class Meta(WindowBase.Meta):
        ordering = ["weekday", "start"]
        verbose_name = _("weekly window")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="time_window_weekday_range"
            )
        ]
        verbose_name_plural = _("time windows")

    def __str__(self) -> str:
        # With its schedule: the change history names the window on its own.
        window = describe_window(self.start, self.end, self.ends_next_day, self.weekday)
        return f"{self.schedule}: {window}" if self.schedule_id else window


class AccessRule(models.Model):
    """Grants (or denies) a person or group passage through a gate or gate group.

    Exactly one subject (person or group) and one target (gate or gate group). Without a
    schedule the rule holds at all times. A deny rule in force wins over every grant.
    """

    class Effect(models.TextChoices):
        GRANT = "grant", _("Grant")
        DENY = "deny", _("Deny")

    name = models.CharField(max_length=160, verbose_name=_("name"))
    effect = models.CharField(
        max_length=5, choices=Effect.choices, default=Effect.GRANT, verbose_name=_("effect")
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_rules",
        verbose_name=_("person"),
    )
    group = models.ForeignKey(
        "people.PersonGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_rules",
        verbose_name=_("group"),
    )
    gate = models.ForeignKey(
        Gate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_rules",
        verbose_name=_("gate"),
    )
    gate_group = models.ForeignKey(
        GateGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_rules",
        verbose_name=_("gate group"),
    )
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_rules",
        help_text=_("Leave empty for a rule that holds at all times."),
        verbose_name=_("schedule"),
    )
    valid_from = models.DateField(
        null=True, blank=True, help_text=_("First day (site-local)."), verbose_name=_("valid from")
    )
    valid_until = models.DateField(
        null=True, blank=True, help_text=_("Last day (site-local)."), verbose_name=_("valid until")
    )
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive rules are ignored."), verbose_name=_("is active")
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name", "id"]
        permissions = [
            ("check_access", "Can ask who may pass a gate and where a person may go"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(group__isnull=True))
                | (Q(person__isnull=True) & Q(group__isnull=False)),
                name="access_rule_one_subject",
                violation_error_message="Choose who this rule is for: a person or a group (one of "
                "them, not both).",
            ),
            models.CheckConstraint(
                condition=(Q(gate__isnull=False) & Q(gate_group__isnull=True))
                | (Q(gate__isnull=True) & Q(gate_group__isnull=False)),
                name="access_rule_one_target",
                violation_error_message="Choose where this rule applies: a gate or a gate group "
                "(one of them, not both).",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="access_rule_validity_ordered",
                violation_error_message="'Valid until' must not be before 'valid from'.",
            ),
        ]
        verbose_name = _("access rule")
        verbose_name_plural = _("access rules")

    def __str__(self) -> str:
        return self.name

    @property
    def subject(self) -> object:
        return self.person or self.group

    RULE_CHOICES = (
        ("person", "group", _("who this rule is for: a person or a group")),
        ("gate", "gate_group", _("where it applies: a gate or a gate group")),
    )

    @classmethod
    def choice_errors(cls, chosen: dict[str, object]) -> dict[str, str]:
        """What is wrong with a rule's choices of subject and target, by field: none chosen,
        or both (the constraints behind say it less exactly)."""
        errors = {}
        for first, second, what in cls.RULE_CHOICES:
            picked = [name for name in (first, second) if chosen.get(name)]
            if not picked:
                errors[first] = str(_("Choose %(what)s.") % {"what": what})
            elif len(picked) == 2:
                errors[second] = str(_("Choose %(what)s, not both.") % {"what": what})
        return errors

    @property
    def target(self) -> object:
        return self.gate or self.gate_group
