"""The summaries an auditor expects of a selection of the access log: counts, entries per
gate and day, denials by reason, people denied repeatedly, first and last entries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from gates.decisions import reason_label
from recognition.models import AccessEvent


def _by_site_zone(events: QuerySet[AccessEvent]) -> Iterator[tuple[str, QuerySet[AccessEvent]]]:
    """The selection split by the time zone its days are cut in: each event's site's
    (ACCESSPORTAL_TIME_ZONE for an event whose gate was deleted)."""
    zones = events.order_by().values_list("gate__site__timezone", flat=True).distinct()
    for zone in sorted(zones, key=lambda z: z or ""):
        if zone:
            yield zone, events.filter(gate__site__timezone=zone)
        else:
            yield settings.TIME_ZONE, events.filter(gate__site__isnull=True)


def _day(zone: str) -> TruncDate:
    return TruncDate("occurred_at", tzinfo=ZoneInfo(zone))


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


def entries_per_gate_per_day(events: QuerySet[AccessEvent]) -> list[Any]:
    """Granted passages per gate and day, the day its site's."""
    rows = [
        row
        for zone, in_zone in _by_site_zone(events.filter(granted=True))
        for row in in_zone.annotate(day=_day(zone))
        .values("day", "gate_name")
        .annotate(entries=Count("pk"))
    ]
    return sorted(rows, key=lambda row: (row["day"], row["gate_name"]))


def denials_by_reason(events: QuerySet[AccessEvent]) -> list[Any]:
    """Denials per reason, most first; each row's ``label`` as operators read it."""
    rows = list(
        events.filter(granted=False)
        .values("reason")
        .annotate(attempts=Count("pk"))
        .order_by("-attempts", "reason")
    )
    return [{**row, "label": reason_label(row["reason"])} for row in rows]


def people_denied_repeatedly(events: QuerySet[AccessEvent], *, at_least: int = 3) -> list[Any]:
    """Recognised people denied at least ``at_least`` times in the selection."""
    return list(
        events.filter(granted=False, person_id__isnull=False)
        .values("person_id", "person_name")
        .annotate(denials=Count("pk"), last_denied=Max("occurred_at"))
        .filter(denials__gte=at_least)
        .order_by("-denials", "person_name")
    )


def first_and_last_entries(events: QuerySet[AccessEvent]) -> list[Any]:
    """Each person's first and last granted passage of each day, the day and the times in
    the site's zone (``zone``: for a person at sites in two zones, a row for each)."""
    rows = [
        {**row, "zone": zone}
        for zone, in_zone in _by_site_zone(events.filter(granted=True, person_id__isnull=False))
        for row in in_zone.annotate(day=_day(zone))
        .values("day", "person_id", "person_name")
        .annotate(first=Min("occurred_at"), last=Max("occurred_at"), entries=Count("pk"))
    ]
    return sorted(rows, key=lambda row: (row["day"], row["person_name"], row["zone"]))
