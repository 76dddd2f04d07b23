from rest_framework.routers import DefaultRouter

from people.api.views import PersonGroupViewSet, PersonViewSet

router = DefaultRouter(trailing_slash=True)
router.register("people", PersonViewSet)
router.register("groups", PersonGroupViewSet)

urlpatterns = router.urls
