"""Who is inside a site now, from the access log: for the desk, and for a mustering roll call
when the building is evacuated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from gates.models import Gate, Site
from recognition.models import AccessEvent

# Gates that say which way someone went: a two-way gate says nothing about where they are.
ONE_WAY = (Gate.Direction.IN, Gate.Direction.OUT)


@dataclass(frozen=True)
class Occupant:
    person_id: int
    name: str
    gate: str  # the gate they came in through
    at: dt.datetime


def site_occupants(site: Site, *, now: dt.datetime | None = None) -> list[Occupant]:
    """The people whose last granted passage through one of the site's one-way gates, within
    the last ``OCCUPANCY_HOURS``, went in; by name. Two-way gates say nothing about where
    someone is, and a passage older than that is taken to have ended unseen."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=settings.OCCUPANCY_HOURS)
    passages = (
        AccessEvent.objects.filter(
            gate__site=site,
            gate__direction__in=ONE_WAY,
            granted=True,
            person__isnull=False,
            occurred_at__gte=since,
        )
        .order_by("sequence")
        .values_list("person_id", "person_name", "gate_name", "gate__direction", "occurred_at")
    )
    last: dict[int, tuple[str, str, str, dt.datetime]] = {}
    for person_id, name, gate, direction, at in passages.iterator():
        last[person_id] = (name, gate, direction, at)
    return sorted(
        (
            Occupant(person_id, name, gate, at)
            for person_id, (name, gate, direction, at) in last.items()
            if direction == Gate.Direction.IN
        ),
        key=lambda occupant: occupant.name.lower(),
    )
