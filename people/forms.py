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


class PeopleImportForm(forms.Form):
    people = forms.FileField(
        label="People (CSV or XLSX)",
        help_text="One person a row; the first row names the columns: first_name, last_name, "
        "employee_number, badge_number, email, groups (separated by ;), valid_from, "
        "valid_until (YYYY-MM-DD), photo (a file name in the ZIP).",
    )
    photos = forms.FileField(
        label="Face photos (ZIP)", required=False, help_text="Optional: the photos the rows name."
    )
    consent_reference = forms.CharField(
        label="Signed consent forms kept at",
        required=False,
        max_length=200,
        help_text="Needed with photos: each person with a photo gets this consent recorded "
        "(signed form) before the photo is stored.",
    )
    check_only = forms.BooleanField(
        label="Only check, change nothing", required=False, initial=True
    )
