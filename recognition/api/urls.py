from rest_framework.routers import DefaultRouter

from recognition.api.views import AccessEventViewSet, FacePhotoViewSet, ReportExportViewSet

router = DefaultRouter(trailing_slash=True)
router.register("face-photos", FacePhotoViewSet)
router.register("access-events", AccessEventViewSet)
router.register("report-exports", ReportExportViewSet)

urlpatterns = router.urls
