"""Face photos in the admin: on the person's page and in their own list."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accessportal.admin import ChangeHistoryAdminMixin
from people.consent import consent_required
from recognition.faces.enrolment import face_photo_queue, face_photo_reason
from recognition.models import FacePhoto


def face_photo_status_html(photo: FacePhoto) -> str:
    """A photo's status, coloured, with the reason it was rejected or warned about."""
    colour = {"enrolled": "#1a7f37", "rejected": "#cf222e"}.get(photo.status, "#9a6700")
    text = photo.get_status_display()
    if photo.status == FacePhoto.Status.PENDING:
        text = str(_("Being checked…"))
    if reason := face_photo_reason(photo):
        return format_html('<strong style="color:{}">{}</strong><br>{}', colour, text, reason)
    return format_html('<strong style="color:{}">{}</strong>', colour, text)


FACE_COUNTS = {
    "enrolled_faces": Count("face_photos", filter=Q(face_photos__status=FacePhoto.Status.ENROLLED)),
    "pending_faces": Count("face_photos", filter=Q(face_photos__status=FacePhoto.Status.PENDING)),
}  # annotations on people: what face_summary_html reads, in the list's one query


def face_summary_html(person: Any) -> str:
    """Whether the kiosks can recognise the person: enrolled, being checked, or not. Reads
    the FACE_COUNTS annotations where the person has them, else counts their photos."""
    if not hasattr(person, "enrolled_faces"):
        person = type(person).objects.annotate(**FACE_COUNTS).get(pk=person.pk)
    enrolled = person.enrolled_faces
    if enrolled:
        text = ngettext("enrolled (%(count)s photo)", "enrolled (%(count)s photos)", enrolled)
        text, colour = text % {"count": enrolled}, "#1a7f37"
    elif person.pending_faces:
        text, colour = str(_("being checked")), "#9a6700"
    else:
        text, colour = str(_("none: not recognised at any gate")), "#cf222e"
    return format_html('<strong style="color:{}">{}</strong>', colour, text)


class FacePhotoDisplay:
    """How a face photo shows in lists: a small picture, and its status with the reason."""

    @admin.display(description=_("photo"))
    def thumbnail(self, photo: FacePhoto) -> str:
        if not photo.pk or not photo.image:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-height:96px;border-radius:4px">',
            reverse("recognition:face-photo-image", args=[photo.pk]),
        )

    @admin.display(description=_("status"), ordering="status")
    def status_and_reason(self, photo: FacePhoto) -> str:
        if not photo.pk:
            return "–"
        # The page follows a pending photo until it is decided (face_photo_status.js).
        return format_html(
            '<span data-face-photo="{}" data-person="{}" data-status="{}">{}</span>',
            photo.pk,
            photo.person_id,
            photo.status,
            face_photo_status_html(photo),
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a photo is replaced (delete, upload), never edited in place


def _adds_rows(formset: BaseInlineFormSet) -> bool:
    """Whether a validated formset holds a new row to save."""
    return any(
        form.instance.pk is None
        and form.has_changed()
        and not getattr(form, "cleaned_data", {}).get("DELETE", False)
        for form in formset.forms
    )


class FacePhotoFormSet(BaseInlineFormSet):
    """New face photos only for a person whose consent is on record, or recorded in the same
    save: the person's page hands this formset its consents' (``consent_formset``)."""

    consent_formset: BaseInlineFormSet | None = None

    def clean(self) -> None:
        super().clean()
        consents = self.consent_formset
        consent_recorded_now = consents is not None and consents.is_valid() and _adds_rows(consents)
        if _adds_rows(self) and not consent_recorded_now:
            consent_required(self.instance)


class FacePhotoInline(FacePhotoDisplay, admin.TabularInline):
    """Face photos on the person's page: upload here; enrolment runs in the background."""

    model = FacePhoto
    formset = FacePhotoFormSet
    fk_name = "person"
    extra = 1
    fields = ["thumbnail", "image", "status_and_reason", "created_at"]
    readonly_fields = ["thumbnail", "status_and_reason", "created_at"]
    verbose_name_plural = _("face photos for recognition")


class FacePhotoForm(forms.ModelForm):
    class Meta:
        model = FacePhoto
        fields = ["person", "image"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("person"):
            consent_required(data["person"])
        return data


@admin.register(FacePhoto)
class FacePhotoAdmin(ChangeHistoryAdminMixin, FacePhotoDisplay, admin.ModelAdmin):
    form = FacePhotoForm
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
