from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accessportal.api import permission_required
from gates import selectors
from gates.api.serializers import (
    AccessRuleSerializer,
    AtQuerySerializer,
    DecisionAnswerSerializer,
    DecisionQuerySerializer,
    DecisionSerializer,
    GateForPersonSerializer,
    GateGroupSerializer,
    GateSerializer,
    HolidayCalendarSerializer,
    HolidaySerializer,
    PersonAtGateSerializer,
    ScheduleSerializer,
    SiteSerializer,
)
from gates.models import (
    AccessRule,
    Gate,
    GateGroup,
    Holiday,
    HolidayCalendar,
    Schedule,
    Site,
)
from people.models import Person

CanCheckAccess = permission_required("gates.check_access")


class SiteViewSet(viewsets.ModelViewSet):
    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filterset_fields = ["timezone"]
    search_fields = ["name", "slug", "address"]
    ordering_fields = ["name"]


class GateGroupViewSet(viewsets.ModelViewSet):
    queryset = GateGroup.objects.all()
    serializer_class = GateGroupSerializer
    search_fields = ["name", "slug"]
    ordering_fields = ["name"]


class GateViewSet(viewsets.ModelViewSet):
    queryset = Gate.objects.select_related("site").prefetch_related("groups")
    serializer_class = GateSerializer
    filterset_fields = ["site", "direction", "is_active", "groups"]
    search_fields = ["name", "slug", "site__name"]
    ordering_fields = ["name", "site__name"]


class ScheduleViewSet(viewsets.ModelViewSet):
    queryset = Schedule.objects.prefetch_related("windows", "holiday_calendars")
    serializer_class = ScheduleSerializer
    filterset_fields = ["holiday_calendars"]
    search_fields = ["name", "description"]
    ordering_fields = ["name"]


class HolidayCalendarViewSet(viewsets.ModelViewSet):
    queryset = HolidayCalendar.objects.all()
    serializer_class = HolidayCalendarSerializer
    search_fields = ["name"]
    ordering_fields = ["name"]


class HolidayViewSet(viewsets.ModelViewSet):
    queryset = Holiday.objects.prefetch_related("windows")
    serializer_class = HolidaySerializer
    filterset_fields = {"calendar": ["exact"], "date": ["exact", "gte", "lte"]}
    search_fields = ["name"]
    ordering_fields = ["date", "name"]


class AccessRuleViewSet(viewsets.ModelViewSet):
    queryset = AccessRule.objects.all()
    serializer_class = AccessRuleSerializer
    filterset_fields = [
        "effect",
        "person",
        "group",
        "gate",
        "gate_group",
        "schedule",
        "is_active",
    ]
    search_fields = ["name", "notes"]
    ordering_fields = ["name", "created_at", "valid_until"]


class DecideView(APIView):
    """Evaluate the access decision for a person (or nobody) at a gate at an instant."""

    permission_classes = [CanCheckAccess]

    @extend_schema(request=DecisionQuerySerializer, responses=DecisionAnswerSerializer)
    def post(self, request: Request) -> Response:
        query = DecisionQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        person, gate = query.validated_data["person"], query.validated_data["gate"]
        at = query.validated_data.get("at") or timezone.now()
        decision = selectors.access_decision(person=person, gate=gate, at=at)
        return Response(
            {
                **DecisionSerializer(decision).data,
                "person": person.id if person else None,
                "gate": gate.id,
                "at": at,
            }
        )


def _instant(request: Request):
    query = AtQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("at") or timezone.now()


class GateWhoMayPassView(APIView):
    """Everyone a rule names for this gate, with the decision for each at ``at``."""

    permission_classes = [CanCheckAccess]

    @extend_schema(parameters=[AtQuerySerializer], responses=PersonAtGateSerializer(many=True))
    def get(self, request: Request, gate_id: int) -> Response:
        at = _instant(request)
        gate = get_object_or_404(Gate, pk=gate_id)
        answers = selectors.gate_who_may_pass(gate=gate, at=at)
        return Response(PersonAtGateSerializer(answers, many=True).data)


class PersonWhereMayGoView(APIView):
    """Every gate a rule names for this person, with the decision at each at ``at``."""

    permission_classes = [CanCheckAccess]

    @extend_schema(parameters=[AtQuerySerializer], responses=GateForPersonSerializer(many=True))
    def get(self, request: Request, person_id: int) -> Response:
        at = _instant(request)
        person = get_object_or_404(Person, pk=person_id)
        answers = selectors.person_where_may_go(person=person, at=at)
        return Response(GateForPersonSerializer(answers, many=True).data)
