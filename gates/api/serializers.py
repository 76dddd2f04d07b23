from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accessportal.api import ModelValidationMixin
from gates import services
from gates.decisions import Reason
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
from people.models import Person


class SiteSerializer(ModelValidationMixin, serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "name",
            "slug",
            "timezone",
            "address",
            "access_log_retention_days",
            "language",
            "unrecognised_advice",
        ]


class GateGroupSerializer(ModelValidationMixin, serializers.ModelSerializer):
    class Meta:
        model = GateGroup
        fields = ["id", "name", "slug", "description", "anti_passback", "anti_passback_minutes"]


class GateSerializer(ModelValidationMixin, serializers.ModelSerializer):
    groups = serializers.PrimaryKeyRelatedField(
        many=True, queryset=GateGroup.objects.all(), required=False
    )

    class Meta:
        model = Gate
        fields = [
            "id",
            "site",
            "name",
            "slug",
            "direction",
            "groups",
            "is_active",
            "verification",
            "liveness_required",
            "liveness_turn",
            "snapshot_faces",
            "snapshot_retention_days",
            "description",
            "door_output",
            "door_webhook_url",
            "door_webhook_secret",
        ]
        extra_kwargs = {"door_webhook_secret": {"write_only": True}}


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
        "example": "08:00",
        "description": "Wall-clock time in the site's time zone (no offset).",
    }
)
class WallTimeField(serializers.TimeField):
    """A time of day as the site's clocks show it; not an instant, so it carries no offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M:%S", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class _WindowSerializer(ModelValidationMixin, serializers.ModelSerializer):
    start = WallTimeField()
    end = WallTimeField()


def _no_overlaps(windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if messages := overlap_messages(window_specs(windows)):
        raise serializers.ValidationError(messages)
    return windows


class TimeWindowSerializer(_WindowSerializer):
    class Meta:
        model = TimeWindow
        fields = ["weekday", "start", "end", "ends_next_day"]


class HolidayWindowSerializer(_WindowSerializer):
    class Meta:
        model = HolidayWindow
        fields = ["start", "end", "ends_next_day"]


class ScheduleSerializer(ModelValidationMixin, serializers.ModelSerializer):
    windows = TimeWindowSerializer(many=True, required=False)
    holiday_calendars = serializers.PrimaryKeyRelatedField(
        many=True, queryset=HolidayCalendar.objects.all(), required=False
    )

    class Meta:
        model = Schedule
        fields = ["id", "name", "description", "holiday_calendars", "windows"]

    def validate_windows(self, windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _no_overlaps(windows)

    def create(self, validated_data: dict[str, Any]) -> Schedule:
        return self.update(Schedule(), validated_data)

    def update(self, instance: Schedule, validated_data: dict[str, Any]) -> Schedule:
        windows = validated_data.pop("windows", None)
        calendars = validated_data.pop("holiday_calendars", None)
        return services.schedule_save(
            schedule=instance, fields=validated_data, holiday_calendars=calendars, windows=windows
        )


class HolidayCalendarSerializer(ModelValidationMixin, serializers.ModelSerializer):
    class Meta:
        model = HolidayCalendar
        fields = ["id", "name", "description"]


class HolidaySerializer(ModelValidationMixin, serializers.ModelSerializer):
    windows = HolidayWindowSerializer(
        many=True, required=False, help_text="Special opening windows; none means closed all day."
    )
    closed = serializers.SerializerMethodField()

    class Meta:
        model = Holiday
        fields = ["id", "calendar", "date", "name", "windows", "closed"]

    def validate_windows(self, windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _no_overlaps(windows)

    def get_closed(self, holiday: Holiday) -> bool:
        return not holiday.windows.all()

    def create(self, validated_data: dict[str, Any]) -> Holiday:
        return self.update(Holiday(), validated_data)

    def update(self, instance: Holiday, validated_data: dict[str, Any]) -> Holiday:
        windows = validated_data.pop("windows", None)
        return services.holiday_save(holiday=instance, fields=validated_data, windows=windows)


class AccessRuleSerializer(ModelValidationMixin, serializers.ModelSerializer):
    class Meta:
        model = AccessRule
        fields = [
            "id",
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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """A missing or doubled choice of subject or target, said on its field (a partial
        update keeps the rule's other values)."""
        chosen = {
            name: attrs[name] if name in attrs else getattr(self.instance, name, None)
            for name in ("person", "group", "gate", "gate_group")
        }
        errors = AccessRule.choice_errors(chosen)
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)


class DecisionQuerySerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        allow_null=True,
        help_text="The recognised person, or null for 'nobody recognised'.",
    )
    gate = serializers.PrimaryKeyRelatedField(queryset=Gate.objects.select_related("site"))
    at = serializers.DateTimeField(required=False, help_text="The instant; now if omitted.")


class AtQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="The instant; now if omitted.")


class DecisionSerializer(serializers.Serializer):
    granted = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=[r.value for r in Reason])
    message = serializers.CharField()
    rule = serializers.IntegerField(source="rule_id", allow_null=True)


class DecisionAnswerSerializer(DecisionSerializer):
    person = serializers.IntegerField(allow_null=True)
    gate = serializers.IntegerField()
    at = serializers.DateTimeField()


class PersonAtGateSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.id")
    name = serializers.CharField(source="person.full_name")
    decision = DecisionSerializer()


class GateForPersonSerializer(serializers.Serializer):
    gate = serializers.IntegerField(source="gate.id")
    name = serializers.CharField(source="gate.__str__")
    decision = DecisionSerializer()
