from django.db.models import Count, OuterRef, Subquery
from django.http import FileResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accessportal.api import FilterSet, RoleModelPermissions, permission_required
from people.api.serializers import (
    ConsentRecordSerializer,
    ConsentSerializer,
    PersonGroupSerializer,
    PersonSerializer,
)
from people.consent import consent_record, consent_withdraw, consents_in_force
from people.erasure import person_erase
from people.models import Person, PersonGroup
from people.views import data_export_response


class PersonFilter(FilterSet):
    group = filters.ModelChoiceFilter(field_name="groups", queryset=PersonGroup.objects.all())
    valid_on = filters.DateFilter(method="filter_valid_on", label="Valid on this day")

    class Meta:
        model = Person
        fields = ["is_active", "group", "employee_number"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.exclude(valid_from__gt=value).exclude(valid_until__lt=value)


class PersonViewSet(viewsets.ModelViewSet):
    queryset = Person.objects.prefetch_related("groups").annotate(
        consent_in_force_at=Subquery(
            consents_in_force().filter(person=OuterRef("pk")).values("given_at")[:1]
        )
    )
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["first_name", "last_name", "employee_number", "badge_number", "email"]
    ordering_fields = ["last_name", "first_name", "employee_number", "created_at", "valid_until"]

    def perform_destroy(self, instance: Person) -> None:
        """Erasure: the person and what hangs on them go; their change history is redacted."""
        person_erase(person=instance)

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        url_path="data-export",
        permission_classes=[RoleModelPermissions, permission_required("people.export_person_data")],
    )
    def data_export(self, request: Request, pk: str | None = None) -> FileResponse:
        """Everything held about this person, as a ZIP (subject-access request). Recorded in
        the change history."""
        return data_export_response(self.get_object(), request)

    @extend_schema(request=ConsentRecordSerializer, responses={201: ConsentSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[RoleModelPermissions, permission_required("people.add_consent")],
    )
    def consent(self, request: Request, pk: str | None = None) -> Response:
        """Record the person's consent to the use of their face (the current wording in the
        language given is copied), before face photos are uploaded."""
        person = self.get_object()
        given = ConsentRecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        recorded = consent_record(person=person, by=request.user, **given.validated_data)
        return Response(ConsentSerializer(recorded).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ConsentSerializer(many=True)})
    @action(
        detail=True,
        methods=["post"],
        url_path="consent/withdraw",
        permission_classes=[
            RoleModelPermissions,
            permission_required("people.change_consent"),
            permission_required("recognition.delete_facephoto"),
        ],
    )
    def consent_withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the person's consent: their face photos and embeddings are deleted now."""
        person = self.get_object()
        consent_withdraw(person=person, by=request.user)
        return Response(ConsentSerializer(person.consents.all(), many=True).data)


class PersonGroupViewSet(viewsets.ModelViewSet):
    queryset = PersonGroup.objects.annotate(member_count=Count("members")).order_by("name")
    serializer_class = PersonGroupSerializer
    filterset_fields = ["kind"]
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "kind"]
