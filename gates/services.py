"""Writes for gates, schedules and holidays. Each is one transaction: all or nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from gates.models import Holiday, HolidayWindow, Schedule, TimeWindow


@transaction.atomic
def schedule_save(
    *,
    schedule: Schedule,
    fields: Mapping[str, Any],
    holiday_calendars: Iterable[Any] | None = None,
    windows: Iterable[Mapping[str, Any]] | None = None,
) -> Schedule:
    """Create or update a schedule; given ``windows`` replace its weekly windows entirely."""
    for name, value in fields.items():
        setattr(schedule, name, value)
    schedule.save()
    if holiday_calendars is not None:
        schedule.holiday_calendars.set(holiday_calendars)
    if windows is not None:
        schedule.windows.all().delete()
        for window in windows:  # one by one, so the change history records each window
            TimeWindow.objects.create(schedule=schedule, **window)
    return schedule


@transaction.atomic
def holiday_save(
    *,
    holiday: Holiday,
    fields: Mapping[str, Any],
    windows: Iterable[Mapping[str, Any]] | None = None,
) -> Holiday:
    """Create or update a holiday; given ``windows`` replace its special windows entirely."""
    for name, value in fields.items():
        setattr(holiday, name, value)
    holiday.save()
    if windows is not None:
        holiday.windows.all().delete()
        for window in windows:  # one by one, so the change history records each window
            HolidayWindow.objects.create(holiday=holiday, **window)
    return holiday
