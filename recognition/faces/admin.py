"""Face photos in the admin: on the person's page and in their own list."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accessportal.admin import ChangeHistoryAdminMixin
from recognition.faces.enrolment import face_photo_queue
from recognition.models import FacePhoto


class FacePhotoDisplay:
    """How a face photo shows in lists: a small picture, and its status with the reason."""

    @admin.display(description="photo")
    def thumbnail(self, photo: FacePhoto) -> str:
        if not photo.pk or not photo.image:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-height:96px;border-radius:4px">',
            reverse("recognition:face-photo-image", args=[photo.pk]),
        )

    @admin.display(description="status", ordering="status")
    def status_and_reason(self, photo: FacePhoto) -> str:
        if not photo.pk:
            return "–"
        colour = {"enrolled": "#1a7f37", "rejected": "#cf222e"}.get(photo.status, "#9a6700")
        text = photo.get_status_display()
        if photo.reason:
            return format_html(
                '<strong style="color:{}">{}</strong><br>{}', colour, text, photo.reason
            )
        return format_html('<strong style="color:{}">{}</strong>', colour, text)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a photo is replaced (delete, upload), never edited in place


class FacePhotoInline(FacePhotoDisplay, admin.TabularInline):
    """Face photos on the person's page: upload here; enrolment runs in the background."""

    model = FacePhoto
    fk_name = "person"
    extra = 1
    fields = ["thumbnail", "image", "status_and_reason", "created_at"]
    readonly_fields = ["thumbnail", "status_and_reason", "created_at"]
    verbose_name_plural = "face photos for recognition"


@admin.register(FacePhoto)
class FacePhotoAdmin(ChangeHistoryAdminMixin, FacePhotoDisplay, admin.ModelAdmin):
    list_display = ["thumbnail", "person", "status_and_reason", "model_name", "created_at"]
    list_filter = ["status", "reason_code", "model_name"]
    list_select_related = ["person"]
    search_fields = ["person__first_name", "person__last_name", "person__employee_number"]
    autocomplete_fields = ["person"]
    fields = [
        "person",
        "image",
        "thumbnail",
        "status_and_reason",
        "similar_person",
        "face_px",
        "sharpness",
        "model_name",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if isinstance(f, str) and f not in {"person", "image"}]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        face_photo_queue(photo=obj)


def enqueue_new_photos(formset) -> None:
    """After the person's page saved its face photo inline, queue the new photos."""
    for photo in formset.new_objects:
        face_photo_queue(photo=photo)
