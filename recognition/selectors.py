"""Reads for recognition: the summaries an auditor expects of a selection of the access log,
and whether enrolled photos are waiting to be enrolled again for a new model."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from recognition.models import AccessEvent, FacePhoto, ReportExport


def _day():
    return TruncDate("occurred_at", tzinfo=ZoneInfo(settings.TIME_ZONE))


def access_counts(events: QuerySet[AccessEvent]) -> dict[str, int]:
    counts = events.aggregate(
        total=Count("pk"),
        granted_count=Count("pk", filter=Q(granted=True)),
        denied_count=Count("pk", filter=Q(granted=False)),
    )
    return {
        "total": counts["total"],
        "granted": counts["granted_count"],
        "denied": counts["denied_count"],
    }


def entries_per_gate_per_day(events: QuerySet[AccessEvent]) -> list[dict]:
    """Granted passages per gate and local day."""
    return list(
        events.filter(granted=True)
        .annotate(day=_day())
        .values("day", "gate_name")
        .annotate(entries=Count("pk"))
        .order_by("day", "gate_name")
    )


def denials_by_reason(events: QuerySet[AccessEvent]) -> list[dict]:
    return list(
        events.filter(granted=False)
        .values("reason")
        .annotate(attempts=Count("pk"))
        .order_by("-attempts", "reason")
    )


def people_denied_repeatedly(events: QuerySet[AccessEvent], *, at_least: int = 3) -> list[dict]:
    """Recognised people denied at least ``at_least`` times in the selection."""
    return list(
        events.filter(granted=False, person_id__isnull=False)
        .values("person_id", "person_name")
        .annotate(denials=Count("pk"), last_denied=Max("occurred_at"))
        .filter(denials__gte=at_least)
        .order_by("-denials", "person_name")
    )


def first_and_last_entries(events: QuerySet[AccessEvent]) -> list[dict]:
    """Each person's first and last granted passage of each local day."""
    return list(
        events.filter(granted=True, person_id__isnull=False)
        .annotate(day=_day())
        .values("day", "person_id", "person_name")
        .annotate(first=Min("occurred_at"), last=Max("occurred_at"), entries=Count("pk"))
        .order_by("day", "person_name")
    )


def report_exports_visible(user) -> QuerySet[ReportExport]:
    """Report files a user may see: the exports they asked for, and the scheduled reports if
    they may see report files (managers and auditors)."""
    visible = Q(created_by=user)
    if user.has_perm("recognition.view_reportexport"):
        visible |= Q(created_by=None)
    return ReportExport.objects.filter(visible)


def face_photos_reenrolling(*, model_name: str) -> int:
    """Photos enrolled with another model that are still to be enrolled with ``model_name``
    (after a model change). Their people cannot be recognised until theirs are done."""
    return FacePhoto.objects.exclude(model_name=model_name).exclude(model_name="").count()
