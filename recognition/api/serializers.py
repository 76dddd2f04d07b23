from rest_framework import serializers

from people.models import Person
from recognition.models import FacePhoto


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
