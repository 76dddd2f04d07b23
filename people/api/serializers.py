from rest_framework import serializers

from accessportal.api import ModelValidationMixin
from people.models import Person, PersonGroup


class PersonGroupSerializer(ModelValidationMixin, serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = PersonGroup
        fields = ["id", "name", "slug", "kind", "description", "member_count"]

    def get_member_count(self, group: PersonGroup) -> int:
        # Annotated on lists; a group just created or changed counts its members here.
        annotated = getattr(group, "member_count", None)
        return annotated if annotated is not None else group.members.count()


class PersonSerializer(ModelValidationMixin, serializers.ModelSerializer):
    groups = serializers.PrimaryKeyRelatedField(
        many=True, queryset=PersonGroup.objects.all(), required=False
    )
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "employee_number",
            "email",
            "photo",
            "has_photo",
            "groups",
            "is_active",
            "valid_from",
            "valid_until",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Declared here, not as a field of its own, so the model's size and pixel limits apply.
        extra_kwargs = {"photo": {"write_only": True}}

    def get_has_photo(self, person: Person) -> bool:
        return bool(person.photo)
