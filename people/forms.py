"""Forms of the people pages beyond the admin."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from gates.models import Gate

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_VISIT_DAYS = 31


class VisitForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(required=False, help_text="Optional: how to reach the visitor.")
    company = forms.CharField(max_length=200, required=False)
    starts_at = forms.DateTimeField(label="From", widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label="Until", widget=DATETIME_INPUT)
    gates = forms.ModelMultipleChoiceField(
        queryset=Gate.objects.filter(is_active=True).select_related("site"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Where the visitor may pass.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["starts_at"].initial = now
        self.fields["ends_at"].initial = now + dt.timedelta(hours=8)

    def clean(self) -> dict:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends:
            if ends <= starts:
                self.add_error("ends_at", "The visit must end after it starts.")
            elif ends - starts > dt.timedelta(days=MAX_VISIT_DAYS):
                self.add_error("ends_at", f"A visit lasts at most {MAX_VISIT_DAYS} days.")
            elif ends <= timezone.now():
                self.add_error("ends_at", "This time is already past.")
        return data
