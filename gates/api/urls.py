from django.urls import path
from rest_framework.routers import DefaultRouter

from gates.api.views import (
    AccessRuleViewSet,
    DecideView,
    GateGroupViewSet,
    GateViewSet,
    GateWhoMayPassView,
    HolidayCalendarViewSet,
    HolidayViewSet,
    PersonWhereMayGoView,
    ScheduleViewSet,
    SiteViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.register("sites", SiteViewSet)
router.register("gate-groups", GateGroupViewSet)
router.register("gates", GateViewSet)
router.register("schedules", ScheduleViewSet)
router.register("holiday-calendars", HolidayCalendarViewSet)
router.register("holidays", HolidayViewSet)
router.register("rules", AccessRuleViewSet)

urlpatterns = [
    path("access/decide/", DecideView.as_view(), name="access-decide"),
    path("access/gates/<int:gate_id>/", GateWhoMayPassView.as_view(), name="access-gate"),
    path("access/people/<int:person_id>/", PersonWhereMayGoView.as_view(), name="access-person"),
    *router.urls,
]
