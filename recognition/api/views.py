from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accessportal.api import RoleModelPermissions, permission_required
from recognition.access_log.filters import AccessEventFilter
from recognition.api.serializers import (
    AccessEventSerializer,
    FacePhotoSerializer,
    FacePhotoUploadSerializer,
    ReportExportSerializer,
)
from recognition.faces import enrolment
from recognition.models import AccessEvent, FacePhoto, ReportExport
from recognition.reports import summaries
from recognition.reports.exports import (
    ExportRefused,
    ImmediateExport,
    SelectionError,
    export_begin,
    report_exports_visible,
)
from recognition.reports.responses import export_file_response, export_response, query_filters
from recognition.reports.writers import FORMATS


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

    @extend_schema(
        request=FacePhotoUploadSerializer,
        responses={
            201: FacePhotoSerializer,
            415: OpenApiResponse(
                OpenApiTypes.OBJECT, description="The body is not multipart/form-data or a form."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        upload = FacePhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        # A Django ValidationError from the service becomes a 400 in the exception handler.
        photo = enrolment.face_photo_create(
            person=upload.validated_data["person"], image=upload.validated_data["image"]
        )
        return Response(FacePhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


# The file formats, each with its own content type.
FILE_RESPONSES = {
    (200, content_type.split(";")[0]): OpenApiTypes.BINARY for content_type, _ in FORMATS.values()
}


class AccessEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The access log: every decision at a kiosk, with its evidence, oldest to newest by
    ``sequence``. Read-only: the log is append-only and hash-chained.

    The filters are those of the access report page; ``export`` makes a file of exactly the
    selection and ``summary`` gives its counts and summaries."""

    queryset = AccessEvent.objects.select_related("door").order_by("-sequence")
    serializer_class = AccessEventSerializer
    filterset_class = AccessEventFilter
    search_fields = ["person_name", "gate_name", "kiosk_name"]
    ordering_fields = ["sequence", "occurred_at"]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False)
    def summary(self, request: Request) -> Response:
        events = self.filter_queryset(AccessEvent.objects.all())
        return Response(
            {
                "counts": summaries.access_counts(events),
                "entries_per_gate_per_day": summaries.entries_per_gate_per_day(events),
                "denials_by_reason": summaries.denials_by_reason(events),
                "people_denied_repeatedly": summaries.people_denied_repeatedly(events),
                "first_and_last_entries": summaries.first_and_last_entries(events),
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as", str, enum=list(FORMATS), description="File format", required=True
            )
        ],
        responses={
            **FILE_RESPONSES,
            202: ReportExportSerializer,
            400: OpenApiTypes.OBJECT,
        },
    )
    @action(
        detail=False,
        permission_classes=[
            RoleModelPermissions,
            permission_required("recognition.export_accessevent"),
        ],
    )
    def export(self, request: Request) -> HttpResponseBase:
        """The selection as a file: at once (200) up to REPORT_SYNC_MAX_ROWS events, else a
        report export made in the background (202; follow its ``id`` under
        /api/report-exports/)."""
        fmt = request.query_params.get("as", "")
        try:
            export = export_begin(fmt=fmt, filters=query_filters(request), user=request.user)
        except SelectionError as error:
            return Response(error.errors, status=status.HTTP_400_BAD_REQUEST)
        except ExportRefused as refusal:
            return Response({"as": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(export, ImmediateExport):
            return export_response(fmt, export)
        data = ReportExportSerializer(export, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class ReportExportViewSet(viewsets.ReadOnlyModelViewSet):
    """Report files: your own exports, and the scheduled reports."""

    queryset = ReportExport.objects.all()
    serializer_class = ReportExportSerializer
    permission_classes = [
        RoleModelPermissions,
        permission_required("recognition.export_accessevent"),
    ]
    filterset_fields = ["status", "format", "scheduled_report"]

    def get_queryset(self):
        return report_exports_visible(self.request.user)

    @extend_schema(responses={**FILE_RESPONSES, 409: OpenApiTypes.OBJECT})
    @action(detail=True, url_path="file", url_name="file")
    def file(self, request: Request, pk: str) -> HttpResponseBase:
        export = self.get_object()
        if export.status != ReportExport.Status.DONE:
            return Response(
                {"detail": f"The export is {export.status}; no file yet."},
                status=status.HTTP_409_CONFLICT,
            )
        return export_file_response(export)
