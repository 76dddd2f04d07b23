from rest_framework import serializers
from rest_framework.reverse import reverse

from people.models import Person
from recognition.access_log.chain import CHAINED_FIELDS
from recognition.models import AccessEvent, DoorOutcome, FacePhoto, ReportExport


class FacePhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = FacePhoto
        fields = [
            "id",
            "person",
            "status",
            "reason_code",
            "reason",
            "similar_person",
            "model_name",
            "face_px",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FacePhotoUploadSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    image = serializers.ImageField(help_text="A photo of this person's face, alone.")


class AccessEventSerializer(serializers.ModelSerializer):
    """An access event as recorded. Ids of kiosk, gate, person and rule are those recorded,
    even when the row they named has since been deleted (the names are kept beside them)."""

    kiosk = serializers.IntegerField(source="kiosk_id", allow_null=True)
    gate = serializers.IntegerField(source="gate_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    rule = serializers.IntegerField(source="rule_id", allow_null=True)
    door = serializers.SerializerMethodField()

    class Meta:
        model = AccessEvent
        # The facts the hash chain records (ids under their relation's name), then the door's
        # outcome and the event's hash.
        fields = [
            "id",
            *(name.removesuffix("_id") for name in CHAINED_FIELDS if name != "snapshot_sha256"),
            "door",
            "entry_hash",
        ]
        read_only_fields = fields

    def get_door(self, event: AccessEvent) -> str | None:
        """opened, failed, or null (denied, or no result recorded)."""
        outcome = event.door_outcome
        return None if outcome is DoorOutcome.NOT_RECORDED else outcome


class ReportExportSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "format",
            "filters",
            "description",
            "status",
            "progress",
            "rows_done",
            "rows_total",
            "error",
            "scheduled_report",
            "created_at",
            "finished_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, export: ReportExport) -> str | None:
        if export.status != ReportExport.Status.DONE:
            return None
        return reverse("reportexport-file", args=[export.pk], request=self.context.get("request"))
