"""Every table of the recognition app, one module per room (``recognition.models.<room>``),
all importable from here."""

from recognition.models.access_log import (
    AccessEvent,
    AccessSnapshot,
    AppendOnlyError,
    AppendOnlyModel,
    AppendOnlyQuerySet,
    AuditAnchor,
    AuditChainHead,
    DoorActuation,
    DoorEvent,
    DoorOutcome,
    PrunedAccessEvent,
    door_outcome,
)
from recognition.models.faces import FacePhoto
from recognition.models.kiosks import Kiosk
from recognition.models.reports import ReportExport, ScheduledReport

__all__ = [
    "AccessEvent",
    "AccessSnapshot",
    "AppendOnlyError",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "AuditAnchor",
    "AuditChainHead",
    "DoorActuation",
    "DoorEvent",
    "DoorOutcome",
    "FacePhoto",
    "Kiosk",
    "PrunedAccessEvent",
    "ReportExport",
    "ScheduledReport",
    "door_outcome",
]
