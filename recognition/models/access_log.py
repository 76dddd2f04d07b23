"""The access log: passages, their door results and face snapshots, chained by hashes."""

from __future__ import annotations

import enum
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accessportal.data_at_rest import encrypted_storage
from gates.decisions import reason_label


class DoorOutcome(enum.StrEnum):
    """What became of a passage's door, as every page, export and socket message says it."""

    OPENED = "opened"
    FAILED = "failed"  # the door output answered with an error, or did not answer
    NOT_RECORDED = "not recorded"  # granted, but no answer was recorded (a crash in between)

    @property
    def label(self) -> str:
        """The outcome in the operator's language (the value stays the code exports carry)."""
        return str(DOOR_OUTCOME_LABELS[self])


DOOR_OUTCOME_LABELS = {
    DoorOutcome.OPENED: _("opened"),
    DoorOutcome.FAILED: _("failed"),
    DoorOutcome.NOT_RECORDED: _("not recorded"),
}


def door_outcome(*, granted: bool, opened: bool | None) -> DoorOutcome | None:
    """None for a denied passage (no door is fired); ``opened`` is the door's recorded answer,
    None when there is none."""
    if not granted:
        return None
    if opened is None:
        return DoorOutcome.NOT_RECORDED
    return DoorOutcome.OPENED if opened else DoorOutcome.FAILED


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

    Append-only and hash-chained (``recognition.access_log.chain``): ``sequence`` numbers the events
    without gaps and ``entry_hash`` covers this event's recorded facts and the previous
    event's hash. Names are copied at the time of the passage so that the record still says
    who and where after a person, gate or kiosk is deleted.
    """

    sequence = models.PositiveBigIntegerField(
        unique=True, editable=False, verbose_name=_("sequence")
    )
    entry_hash = models.CharField(max_length=64, editable=False, verbose_name=_("entry hash"))
    occurred_at = models.DateTimeField(db_index=True, verbose_name=_("occurred at"))
    kiosk = _kept_reference("Kiosk", verbose_name=_("kiosk"))
    kiosk_name = models.CharField(max_length=120, verbose_name=_("kiosk name"))
    gate = _kept_reference("gates.Gate", verbose_name=_("gate"))
    gate_name = models.CharField(max_length=250, verbose_name=_("gate name"))
    site_name = models.CharField(max_length=200, blank=True, verbose_name=_("site name"))
    person = _kept_reference("people.Person", verbose_name=_("person"))
    person_name = models.CharField(max_length=250, blank=True, verbose_name=_("person name"))
    granted = models.BooleanField(verbose_name=_("granted"))
    reason = models.CharField(max_length=40, verbose_name=_("reason"))
    rule = _kept_reference("gates.AccessRule", verbose_name=_("rule"))
    rule_name = models.CharField(max_length=250, blank=True, verbose_name=_("rule name"))
    distance = models.FloatField(
        null=True, blank=True, help_text=_("Mean face distance."), verbose_name=_("distance")
    )
    margin = models.FloatField(
        null=True, blank=True, help_text=_("Smallest margin to the next."), verbose_name=_("margin")
    )
    liveness = models.FloatField(
        null=True, blank=True, help_text=_("Mean liveness score."), verbose_name=_("liveness")
    )
    model_name = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("The recognition model and distance metric."),
        verbose_name=_("model name"),
    )
    frames = models.PositiveSmallIntegerField(
        help_text=_("Frames that agreed on the decision."), verbose_name=_("frames")
    )
    offline_id = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_(
            "Decided by an offline kiosk: its own id for the passage (sent once it was "
            "back online, recorded once)."
        ),
        verbose_name=_("offline id"),
    )
    snapshot_sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the face snapshot, when one was kept."),
        verbose_name=_("snapshot sha256"),
    )

    class Meta:
        ordering = ["-occurred_at", "-sequence"]
        permissions = [("export_accessevent", "Can export access events")]
        indexes = [
            models.Index(fields=["gate", "occurred_at"]),
            models.Index(fields=["person", "occurred_at"]),
            models.Index(fields=["reason", "occurred_at"]),
        ]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")

    def __str__(self) -> str:
        outcome = gettext("granted") if self.granted else gettext("denied")
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.gate_name}: {outcome} ({self.reason})"

    @property
    def reason_label(self) -> str:
        """The reason as operators read it."""
        return reason_label(self.reason)

    @property
    def door_outcome(self) -> DoorOutcome | None:
        door = getattr(self, "door", None)
        return door_outcome(granted=self.granted, opened=door.opened if door else None)


def access_snapshot_path(snapshot: AccessSnapshot, filename: str) -> str:
    return f"access-snapshots/{snapshot.taken_at:%Y/%m}/{uuid.uuid4().hex}.jpg.enc"


class DoorEvent(AppendOnlyModel):
    """What happened to a door besides passages: its sensor's reports, the alarms, and what
    operators did (unlock, lock, lockdown). Chained with the access events: one sequence and
    one hash chain for both (``recognition.access_log.chain``)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Door opened")
        CLOSED = "closed", _("Door closed")
        FORCED_OPEN = "forced_open", _("Door forced open")
        HELD_OPEN = "held_open", _("Door held open")
        UNLOCKED = "unlocked", _("Unlocked remotely")
        LOCKED = "locked", _("Locked remotely")
        LOCKDOWN = "lockdown", _("Lockdown")
        LOCKDOWN_LIFTED = "lockdown_lifted", _("Lockdown lifted")
        OUTPUT_FAILED = "output_failed", _("The door output failed")

    sequence = models.PositiveBigIntegerField(
        unique=True, editable=False, verbose_name=_("sequence")
    )
    entry_hash = models.CharField(max_length=64, editable=False, verbose_name=_("entry hash"))
    occurred_at = models.DateTimeField(db_index=True, verbose_name=_("occurred at"))
    gate = models.ForeignKey(
        "gates.Gate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gate"),
    )
    gate_name = models.CharField(max_length=250, verbose_name=_("gate name"))
    site_name = models.CharField(max_length=200, blank=True, verbose_name=_("site name"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    operator_name = models.CharField(max_length=150, blank=True, verbose_name=_("operator name"))
    until = models.DateTimeField(null=True, blank=True, verbose_name=_("until"))
    detail = models.CharField(max_length=250, blank=True, verbose_name=_("detail"))

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("door event")
        verbose_name_plural = _("door events")

    def __str__(self) -> str:
        return gettext("%(kind)s at %(gate)s") % {
            "kind": self.get_kind_display(),
            "gate": self.gate_name,
        }


class AccessSnapshot(models.Model):
    """The face as the kiosk saw it for one access event, where the gate keeps snapshots:
    cropped to the face, encrypted on disk, deleted after the gate's retention period (or with
    the person). The event's ``snapshot_sha256`` proves which picture it was."""

    event = models.OneToOneField(
        "AccessEvent",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="snapshot",
        verbose_name=_("event"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Deleting the person deletes their snapshots."),
        verbose_name=_("person"),
    )
    image = models.FileField(
        upload_to=access_snapshot_path, storage=encrypted_storage, verbose_name=_("image")
    )
    taken_at = models.DateTimeField(verbose_name=_("taken at"))
    delete_after = models.DateTimeField(db_index=True, verbose_name=_("delete after"))

    class Meta:
        verbose_name = _("access snapshot")
        verbose_name_plural = _("access snapshots")

    def __str__(self) -> str:
        return gettext("Face snapshot of event %(event)s") % {"event": self.event_id}


class AuditChainHead(models.Model):
    """The last link of the access events' chain (one row). Appending locks it, so writers in
    any number of processes take turns; audit_verify also checks that the chain reaches it
    (a deleted last event or one appended behind the application's back shows up)."""

    sequence = models.PositiveBigIntegerField(default=0, verbose_name=_("sequence"))
    entry_hash = models.CharField(max_length=64, verbose_name=_("entry hash"))

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"Access log head at event {self.sequence}"


class AuditAnchor(AppendOnlyModel):
    """A signed statement of the chain's head at one moment (``statement``, canonical JSON, and
    its Ed25519 ``signature``), also written outside the database. A pruning anchor also says
    which events it removed: how many, up to which sequence, and the digest of their
    (sequence, hash) pairs, kept as :class:`PrunedAccessEvent` rows."""

    statement = models.TextField(editable=False, verbose_name=_("statement"))
    signature = models.CharField(max_length=128, editable=False, verbose_name=_("signature"))
    sequence = models.PositiveBigIntegerField(
        editable=False, db_index=True, verbose_name=_("sequence")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")

    def __str__(self) -> str:
        return f"Anchor of the access log at event {self.sequence}"


class PrunedAccessEvent(AppendOnlyModel):
    """What is left of an access event deleted after its site's retention period: its place
    and hash in the chain, so that the events after it still verify. No fact about the passage
    is kept."""

    sequence = models.PositiveBigIntegerField(
        unique=True, editable=False, verbose_name=_("sequence")
    )
    entry_hash = models.CharField(max_length=64, editable=False, verbose_name=_("entry hash"))
    anchor = models.ForeignKey(
        AuditAnchor,
        on_delete=models.PROTECT,
        related_name="pruned_events",
        editable=False,
        verbose_name=_("anchor"),
    )

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("pruned access event")
        verbose_name_plural = _("pruned access events")

    def __str__(self) -> str:
        return f"Pruned access event {self.sequence}"


class DoorActuation(AppendOnlyModel):
    """What the door output answered for a granted passage. Recorded after the event (the
    event is committed before the door fires) and bound to it: ``digest`` covers these facts
    and the event's hash."""

    event = models.OneToOneField(
        AccessEvent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="door",
        verbose_name=_("event"),
    )
    opened = models.BooleanField(verbose_name=_("opened"))
    detail = models.CharField(max_length=250, blank=True, verbose_name=_("detail"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    digest = models.CharField(max_length=64, editable=False, verbose_name=_("digest"))

    class Meta:
        verbose_name = _("door actuation")
        verbose_name_plural = _("door actuations")

    def __str__(self) -> str:
        text = (
            "Door opened for event %(event)s"
            if self.opened
            else "Door not opened for event %(event)s"
        )
        return gettext(text) % {"event": self.event_id}
