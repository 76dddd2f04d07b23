from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gates.models import AccessRule


class InstantForm(forms.Form):
    """A wall-clock date and time in a chosen time zone: 'at which instant?'"""

    at = forms.DateTimeField(
        required=False,
        label=_("At"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Leave empty for now."),
    )
    tz = forms.ChoiceField(label=_("Time zone"), choices=())

    def __init__(self, *args: object, default_timezone: str = "UTC", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        zones = self.fields["tz"]
        assert isinstance(zones, forms.ChoiceField)
        zones.choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        self.fields["tz"].initial = default_timezone

    def instant(self) -> dt.datetime:
        """The aware instant asked for (now when empty). Call after ``is_valid()``."""
        wall = self.cleaned_data.get("at")
        if not wall:
            return timezone.now()
        # The form field makes the value aware in the server's zone; re-read it as wall time
        # in the chosen zone (fold=0: the first of two ambiguous times in a fall-back hour).
        naive = timezone.make_naive(wall) if timezone.is_aware(wall) else wall
        return naive.replace(tzinfo=zoneinfo.ZoneInfo(self.cleaned_data["tz"]))


class AccessRuleForm(forms.ModelForm):
    """The rule's own admin page: a missing or doubled choice said on its field."""

    class Meta:
        model = AccessRule
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
            "notes",
        ]

    def clean(self) -> dict:
        data = super().clean() or {}
        for field, message in AccessRule.choice_errors(data).items():
            self.add_error(field, message)
        return data
