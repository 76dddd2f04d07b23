from rest_framework.routers import DefaultRouter

from recognition.api.views import FacePhotoViewSet

router = DefaultRouter(trailing_slash=True)
router.register("face-photos", FacePhotoViewSet)

urlpatterns = router.urls
