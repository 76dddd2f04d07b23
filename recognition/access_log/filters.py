"""Filters of the access log, shared by the reports page, the exports and the API."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accessportal.api import FilterSet
from gates.decisions import REASON_LABELS, Reason
from gates.local_time import day_start
from gates.models import Gate, Site
from people.models import Person, PersonGroup
from recognition.models import AccessEvent, Kiosk

DECISIONS = (("granted", _("Granted")), ("denied", _("Denied")))


class AccessEventFilterForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            raise forms.ValidationError(_("'From' is after 'To': swap them to see these days."))
        return data


DAY_INPUT = forms.DateInput(attrs={"type": "date"})


def _from_day(day: dt.date) -> Q:
    """Events from the start of ``day`` in each one's site's time zone (the server's,
    ACCESSPORTAL_TIME_ZONE, for an event whose gate was deleted)."""
    zones = Site.objects.order_by().values_list("timezone", flat=True).distinct()
    found = Q(gate__site__isnull=True, occurred_at__gte=day_start(day, settings.TIME_ZONE))
    for zone in zones:
        found |= Q(gate__site__timezone=zone, occurred_at__gte=day_start(day, zone))
    return found


class AccessEventFilter(FilterSet):
    """Days are each event's site's (its own midnight to midnight), both ends included. Group
    means the person's groups today. Every filter names its label: a
    filter without one is labelled by the schema generator ("[invalid name]", then "None")."""

    date_from = filters.DateFilter(
        method="filter_date_from", label=_("From (day)"), widget=DAY_INPUT
    )
    date_to = filters.DateFilter(
        method="filter_date_to", label=_("To (day, included)"), widget=DAY_INPUT
    )
    site = filters.ModelChoiceFilter(
        field_name="gate__site", queryset=Site.objects.all(), label=_("Site")
    )
    gate = filters.ModelChoiceFilter(queryset=Gate.objects.select_related("site"), label=_("Gate"))
    kiosk = filters.ModelChoiceFilter(queryset=Kiosk.objects.all(), label=_("Kiosk"))
    person = filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("Person"))
    group = filters.ModelChoiceFilter(
        field_name="person__groups", queryset=PersonGroup.objects.all(), label=_("Group")
    )
    decision = filters.ChoiceFilter(
        choices=DECISIONS, method="filter_decision", label=_("Decision")
    )
    reason = filters.MultipleChoiceFilter(
        choices=[(r.value, REASON_LABELS[r]) for r in Reason],
        label=_("Reason"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        form = AccessEventFilterForm
        model = AccessEvent
        fields = ["date_from", "date_to", "site", "gate", "kiosk", "person", "group"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(_from_day(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.exclude(_from_day(value + dt.timedelta(days=1)))

    def filter_decision(self, queryset, name, value):
        return queryset.filter(granted=value == "granted")
