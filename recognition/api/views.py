from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from recognition import services
from recognition.api.serializers import FacePhotoSerializer, FacePhotoUploadSerializer
from recognition.models import FacePhoto


class FacePhotoViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Face photos and their enrolment status. Upload one to enrol it; delete it to forget
    the face. Photos are never edited: upload a new one instead."""

    queryset = FacePhoto.objects.all()
    serializer_class = FacePhotoSerializer
    filterset_fields = ["person", "status", "reason_code"]
    ordering_fields = ["created_at"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(request=FacePhotoUploadSerializer, responses={201: FacePhotoSerializer})
    def create(self, request: Request) -> Response:
        upload = FacePhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        # A Django ValidationError from the service becomes a 400 in the exception handler.
        photo = services.face_photo_create(
            person=upload.validated_data["person"], image=upload.validated_data["image"]
        )
        return Response(FacePhotoSerializer(photo).data, status=status.HTTP_201_CREATED)
