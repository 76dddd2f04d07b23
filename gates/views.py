"""Pages for managers beyond the admin: the weekly schedule editor."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from gates.api.serializers import HolidaySerializer, TimeWindowSerializer
from gates.models import Holiday, Schedule


@staff_member_required
@permission_required("gates.view_schedule", raise_exception=True)
def schedule_editor(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """A week grid to paint the schedule's windows on, and its holiday calendars' dates.
    Saving goes through the API, so the page and the API validate the same way; users who may
    not change schedules see the same page read-only."""
    schedule = get_object_or_404(Schedule, pk=schedule_id)
    calendars = list(schedule.holiday_calendars.all())
    holidays = Holiday.objects.filter(calendar__in=calendars).prefetch_related("windows")
    editor = {
        "schedule": {"id": schedule.pk, "name": schedule.name},
        "windows": TimeWindowSerializer(schedule.windows.all(), many=True).data,
        "calendars": [{"id": c.pk, "name": c.name} for c in calendars],
        "holidays": HolidaySerializer(holidays, many=True).data,
        "canEdit": request.user.has_perm("gates.change_schedule"),
        "canEditHolidays": request.user.has_perm("gates.add_holiday"),
        "scheduleUrl": reverse("schedule-detail", args=[schedule.pk]),
        "holidaysUrl": reverse("holiday-list"),
    }
    return TemplateResponse(
        request,
        "gates/schedule_editor.html",
        {
            **admin.site.each_context(request),
            "title": f"Week of {schedule.name}",
            "schedule": schedule,
            "editor": editor,
            "change_url": reverse("admin:gates_schedule_change", args=[schedule.pk]),
        },
    )
