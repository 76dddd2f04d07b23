"""Forms of the people pages beyond the admin."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gates.models import Gate

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_VISIT_DAYS = 31


class VisitForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Optional: how to reach the visitor.")
    )
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Until"), widget=DATETIME_INPUT)
    gates = forms.ModelMultipleChoiceField(
        queryset=Gate.objects.filter(is_active=True).select_related("site"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where the visitor may pass."),
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
                self.add_error("ends_at", _("The visit must end after it starts."))
            elif ends - starts > dt.timedelta(days=MAX_VISIT_DAYS):
                self.add_error("ends_at", f"A visit lasts at most {MAX_VISIT_DAYS} days.")
            elif ends <= timezone.now():
                self.add_error("ends_at", _("This time is already past."))
        return data


class PeopleImportForm(forms.Form):
    people = forms.FileField(
        label=_("People (CSV or XLSX)"),
        help_text=_(
            "One person a row; the first row names the columns: first_name, last_name, "
            "employee_number, badge_number, email, groups (separated by ;), valid_from, "
            "valid_until (YYYY-MM-DD), photo (a file name in the ZIP)."
        ),
    )
    photos = forms.FileField(
        label=_("Face photos (ZIP)"),
        required=False,
        help_text=_("Optional: the photos the rows name."),
    )
    consent_reference = forms.CharField(
        label=_("Signed consent forms kept at"),
        required=False,
        max_length=200,
        help_text=_(
            "Needed with photos: each person with a photo gets this consent recorded "
            "(signed form) before the photo is stored."
        ),
    )
    check_only = forms.BooleanField(
        label=_("Only check, change nothing"), required=False, initial=True
    )
