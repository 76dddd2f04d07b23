"""Pages beyond the admin: the weekly schedule editor, a person's week of access, and a
site's access matrix."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gates import selectors
from gates.api.serializers import HolidaySerializer, TimeWindowSerializer
from gates.models import AccessRule, Holiday, Schedule, Site
from people.models import Person


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
            "title": _("Week of %(schedule)s") % {"schedule": schedule.name},
            "schedule": schedule,
            "editor": editor,
            "change_url": reverse("admin:gates_schedule_change", args=[schedule.pk]),
        },
    )


def _monday(request: HttpRequest) -> dt.date:
    """The Monday of the week asked for (``?week=YYYY-MM-DD``, any day of it), else this one."""
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


@staff_member_required
@permission_required(["people.view_person", "gates.check_access"], raise_exception=True)
def person_week_page(request: HttpRequest, person_id: int) -> HttpResponse:
    """Where and when a person may go, as a week per gate, decided quarter hour by quarter
    hour by the decision function."""
    person = get_object_or_404(Person, pk=person_id)
    monday = _monday(request)
    weeks = selectors.person_week(person=person, monday=monday)
    rules = AccessRule.objects.in_bulk(
        {span.rule_id for week in weeks for span in week.spans() if span.rule_id}
    )
    return TemplateResponse(
        request,
        "gates/person_week.html",
        {
            **admin.site.each_context(request),
            "title": _("Where and when %(person)s may go") % {"person": person},
            "person": person,
            "monday": monday,
            "previous_week": monday - dt.timedelta(days=7),
            "next_week": monday + dt.timedelta(days=7),
            "hours": range(24),
            "weeks": [
                {
                    "gate": week.gate,
                    "days": week.days,
                    "spans": [(span, rules.get(span.rule_id)) for span in week.spans()],
                }
                for week in weeks
            ],
            "change_url": reverse("admin:people_person_change", args=[person.pk]),
        },
    )


@staff_member_required
@permission_required(["gates.view_site", "gates.view_accessrule"], raise_exception=True)
def site_access_matrix(request: HttpRequest, site_id: int) -> HttpResponse:
    """Groups by gates of one site, with the rules (and their schedules) in each cell."""
    site = get_object_or_404(Site, pk=site_id)
    gates, rows = selectors.access_matrix(site=site)
    return TemplateResponse(
        request,
        "gates/access_matrix.html",
        {
            **admin.site.each_context(request),
            "title": _("Access matrix of %(site)s") % {"site": site},
            "site": site,
            "gates": gates,
            "rows": rows,
            "change_url": reverse("admin:gates_site_change", args=[site.pk]),
        },
    )
