from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.widgets import AdminTimeWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accessportal.admin import ChangeHistoryAdminMixin
from gates import admin_views
from gates.forms import AccessRuleForm
from gates.models import (
    AccessRule,
    Gate,
    GateGroup,
    Holiday,
    HolidayCalendar,
    HolidayWindow,
    Schedule,
    Site,
    TimeWindow,
)
from gates.windows import overlap_messages, window_specs


class RuleInlineBase(admin.TabularInline):
    model = AccessRule
    extra = 0
    show_change_link = True
    autocomplete_fields = ["person", "group", "gate", "gate_group", "schedule"]
    fields = [
        "name",
        "effect",
        "person",
        "group",
        "gate",
        "gate_group",
        "schedule",
        "valid_from",
        "valid_until",
        "is_active",
    ]


class GateRuleInline(RuleInlineBase):
    fk_name = "gate"
    verbose_name_plural = _("access rules naming this gate directly")
    # A rule naming this gate names no gate group: that column would only ever be empty.
    fields = [f for f in RuleInlineBase.fields if f not in ("gate", "gate_group")]


@admin.register(Site)
class SiteAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "timezone", "gate_count"]
    search_fields = ["name", "slug", "address"]
    list_filter = ["timezone"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(gate_count=Count("gates"))

    @admin.display(ordering="gate_count", description=_("gates"))
    def gate_count(self, site: Site) -> int:
        return site.gate_count  # type: ignore[attr-defined]

    def object_tools(self, request, object_id) -> list[tuple[str, str]]:
        return [(reverse("gates:site-matrix", args=[object_id]), str(_("Access matrix")))]


@admin.register(GateGroup)
class GateGroupAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "gate_list", "anti_passback"]
    list_filter = ["anti_passback"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("gates")

    @admin.display(description=_("gates"))
    def gate_list(self, group: GateGroup) -> str:
        return ", ".join(g.name for g in group.gates.all())


@admin.register(Gate)
class GateAdmin(ChangeHistoryAdminMixin, admin_views.AccessAnswersAdminMixin, admin.ModelAdmin):
    access_column = _("Person")
    access_empty_subject = _("this gate")
    list_display = ["name", "site", "direction", "is_active", "group_list"]
    list_filter = ["site", "direction", "is_active", "groups"]
    list_select_related = ["site"]
    search_fields = ["name", "slug", "site__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["groups"]
    inlines = [GateRuleInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["who_may_pass_now"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "site",
                    "name",
                    "slug",
                    "direction",
                    "groups",
                    "is_active",
                    "verification",
                    "liveness_required",
                    "liveness_turn",
                    "description",
                ]
            },
        ),
        (
            _("Door output"),
            {"fields": ["door_output", "door_webhook_url", "door_webhook_secret"]},
        ),
        (
            _("Door sensor and alarms"),
            {
                "fields": [
                    "door_sensor_secret",
                    "door_release_seconds",
                    "door_held_open_seconds",
                ],
                "description": _(
                    "A door sensor reports open and closed, signed with its secret; "
                    "an opening no grant or unlock allowed raises the forced-open alarm, a door "
                    "open too long the held-open alarm."
                ),
            },
        ),
        (
            _("When the kiosk is offline"),
            {
                "fields": ["offline_allow_list", "offline_door_url", "offline_list_hours"],
                "description": _(
                    "Off (the default), a kiosk that cannot reach the server opens "
                    "nothing. On, it gets a signed list of who may pass (their number and PIN) and "
                    "tells the door controller on its own network to open."
                ),
            },
        ),
        (_("Face snapshots"), {"fields": ["snapshot_faces", "snapshot_retention_days"]}),
        (_("Who may pass now"), {"fields": ["who_may_pass_now"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("site").prefetch_related("groups")

    def get_fieldsets(self, request: HttpRequest, obj=None):
        """The webhook's and the sensor's secrets are shown only to those who may change the
        gate."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        secrets = {"door_webhook_secret", "door_sensor_secret"}
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in secrets]})
            for name, opts in fieldsets
        ]

    @admin.display(description=_("gate groups"))
    def group_list(self, gate: Gate) -> str:
        return ", ".join(g.name for g in gate.groups.all())

    @admin.display(description=_("Who may pass now"))
    def who_may_pass_now(self, gate: Gate) -> str:
        return self.access_now(gate)

    def access_rows(self, gate: Gate, at: dt.datetime) -> list[admin_views.AnswerRow]:
        return admin_views.gate_rows(gate, at)

    def access_title(self, gate: Gate) -> str:
        return _("Who may pass %(gate)s") % {"gate": gate}

    def access_timezone(self, gate: Gate) -> str:
        return gate.site.timezone


class WindowFormSet(BaseInlineFormSet):
    """Reports overlapping windows in place, across midnight and the end of the week."""

    def clean(self) -> None:
        super().clean()
        rows = [
            data
            for data in (form.cleaned_data for form in self.forms if hasattr(form, "cleaned_data"))
            if data and not data.get("DELETE") and data.get("start") and data.get("end")
        ]
        if messages := overlap_messages(window_specs(rows)):
            raise ValidationError(messages)


class WindowInlineBase(admin.TabularInline):
    formset = WindowFormSet
    # Windows are whole minutes in practice: show 07:00, not 07:00:00.
    formfield_overrides = {models.TimeField: {"widget": AdminTimeWidget(format="%H:%M")}}


class TimeWindowInline(WindowInlineBase):
    model = TimeWindow
    extra = 1
    fields = ["weekday", "start", "end", "ends_next_day"]


@admin.register(Schedule)
class ScheduleAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "week_summary", "calendar_list", "week_editor"]
    search_fields = ["name", "description"]
    list_filter = ["holiday_calendars"]
    filter_horizontal = ["holiday_calendars"]
    inlines = [TimeWindowInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("windows", "holiday_calendars")

    def object_tools(self, request, object_id) -> list[tuple[str, str]]:
        return [(reverse("gates:schedule-editor", args=[object_id]), str(_("Week editor")))]

    @admin.display(description=_("week"))
    def week_editor(self, schedule: Schedule) -> str:
        url = reverse("gates:schedule-editor", args=[schedule.pk])
        return format_html('<a href="{}">{}</a>', url, _("Week editor"))

    @admin.display(description=_("weekly windows"))
    def week_summary(self, schedule: Schedule) -> str:
        return "; ".join(str(w) for w in schedule.windows.all()) or "never open"

    @admin.display(description=_("holiday calendars"))
    def calendar_list(self, schedule: Schedule) -> str:
        return ", ".join(c.name for c in schedule.holiday_calendars.all())


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1
    show_change_link = True
    fields = ["date", "name", "opening"]
    readonly_fields = ["opening"]

    @admin.display(description=_("opening"))
    def opening(self, holiday: Holiday) -> str:
        if not holiday.pk:
            return str(_("closed (add special windows on the holiday's own page)"))
        windows = list(holiday.windows.all())
        return ", ".join(w.describe() for w in windows) if windows else str(_("closed"))


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "holiday_count", "schedule_list"]
    search_fields = ["name"]
    inlines = [HolidayInline]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(holiday_count=Count("holidays"))
            .prefetch_related("schedules")
        )

    @admin.display(ordering="holiday_count", description=_("dates"))
    def holiday_count(self, calendar: HolidayCalendar) -> int:
        return calendar.holiday_count  # type: ignore[attr-defined]

    @admin.display(description=_("used by schedules"))
    def schedule_list(self, calendar: HolidayCalendar) -> str:
        return ", ".join(s.name for s in calendar.schedules.all())


class HolidayWindowInline(WindowInlineBase):
    model = HolidayWindow
    extra = 0
    fields = ["start", "end", "ends_next_day"]
    verbose_name_plural = _("special opening windows (none: closed all day)")


@admin.register(Holiday)
class HolidayAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["date", "name", "calendar", "opening"]
    list_filter = ["calendar", ("date", admin.DateFieldListFilter)]
    search_fields = ["name"]
    date_hierarchy = "date"
    inlines = [HolidayWindowInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("calendar").prefetch_related("windows")

    @admin.display(description=_("opening"))
    def opening(self, holiday: Holiday) -> str:
        return ", ".join(w.describe() for w in holiday.windows.all()) or str(_("closed"))


@admin.register(AccessRule)
class AccessRuleAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    form = AccessRuleForm
    list_display = [
        "name",
        "effect",
        "subject",
        "target",
        "schedule",
        "valid_from",
        "valid_until",
        "is_active",
    ]
    list_filter = [
        "effect",
        "is_active",
        "gate__site",
        "gate",
        "gate_group",
        "group",
        "schedule",
        ("valid_until", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["person", "group", "gate__site", "gate_group", "schedule"]
    search_fields = [
        "name",
        "notes",
        "person__first_name",
        "person__last_name",
        "group__name",
        "gate__name",
        "gate_group__name",
    ]
    autocomplete_fields = ["person", "group", "gate", "gate_group", "schedule"]
    fieldsets = [
        (None, {"fields": ["name", "effect", "is_active"]}),
        (_("Who (one of)"), {"fields": ["person", "group"]}),
        (_("Where (one of)"), {"fields": ["gate", "gate_group"]}),
        (_("When"), {"fields": ["schedule", "valid_from", "valid_until"]}),
        (_("Notes"), {"fields": ["notes"]}),
    ]

    @admin.display(description=_("who"))
    def subject(self, rule: AccessRule) -> str:
        return str(rule.subject)

    @admin.display(description=_("where"))
    def target(self, rule: AccessRule) -> str:
        return str(rule.target)
