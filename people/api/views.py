from django.db.models import Count
from django_filters import rest_framework as filters
from rest_framework import viewsets

from accessportal.api import FilterSet
from people.api.serializers import PersonGroupSerializer, PersonSerializer
from people.models import Person, PersonGroup


class PersonFilter(FilterSet):
    group = filters.ModelChoiceFilter(field_name="groups", queryset=PersonGroup.objects.all())
    valid_on = filters.DateFilter(method="filter_valid_on", label="Valid on this day")

    class Meta:
        model = Person
        fields = ["is_active", "group", "employee_number"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.exclude(valid_from__gt=value).exclude(valid_until__lt=value)


class PersonViewSet(viewsets.ModelViewSet):
    queryset = Person.objects.prefetch_related("groups")
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["first_name", "last_name", "employee_number", "email"]
    ordering_fields = ["last_name", "first_name", "employee_number", "created_at", "valid_until"]


class PersonGroupViewSet(viewsets.ModelViewSet):
    queryset = PersonGroup.objects.annotate(member_count=Count("members")).order_by("name")
    serializer_class = PersonGroupSerializer
    filterset_fields = ["kind"]
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "kind"]
