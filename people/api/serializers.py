import datetime as dt

from rest_framework import serializers

from accessportal.api import ModelValidationMixin
from people.consent import consent_in_force
from people.models import Consent, ConsentText, Person, PersonGroup


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
    consent_given_at = serializers.SerializerMethodField(
        help_text="When the consent in force was given; null: face photos cannot be added."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "employee_number",
            "badge_number",
            "email",
            "photo",
            "has_photo",
            "consent_given_at",
            "groups",
            "is_active",
            "valid_from",
            "valid_until",
            "always_second_factor",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Declared here, not as a field of its own, so the model's size and pixel limits apply.
        extra_kwargs = {"photo": {"write_only": True}}

    def get_has_photo(self, person: Person) -> bool:
        return bool(person.photo)

    def get_consent_given_at(self, person: Person) -> dt.datetime | None:
        if hasattr(person, "consent_in_force_at"):  # annotated on lists
            return person.consent_in_force_at
        consent = consent_in_force(person)
        return consent.given_at if consent else None


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = [
            "id",
            "person",
            "text",
            "language",
            "method",
            "reference",
            "given_at",
            "withdrawn_at",
        ]
        read_only_fields = fields


class ConsentRecordSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Consent.Method.choices)
    language = serializers.ChoiceField(
        choices=ConsentText.Language.choices, default=ConsentText.Language.ENGLISH
    )
    reference = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
