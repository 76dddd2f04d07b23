from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accessportal.private_files import private_file_response
from people.consent import consent_in_force, consent_record, consent_text_current
from people.models import Consent, Person
from people.visits import visit_from_link
from recognition.faces.admin import face_photo_status_html, face_summary_html
from recognition.faces.enrolment import face_photo_create
from recognition.models import FacePhoto


@permission_required("recognition.view_facephoto", raise_exception=True)
def face_photo_image(request: HttpRequest, photo_id: int) -> FileResponse:
    """A face photo's file, decrypted, for operators allowed to see biometric data."""
    return private_file_response(get_object_or_404(FacePhoto, pk=photo_id).image)


@require_http_methods(["GET", "POST"])
def visitor_selfie(request: HttpRequest, token: str) -> HttpResponse:
    """The page a visitor opens on their phone from their visit's link: they read what their
    face is used for and agree, then take a photo of their face. No sign-in: the link's signed
    token names the visit, and works until it ends (``people.visits``)."""
    visit = visit_from_link(token)
    if visit is None:
        return render(request, "recognition/visitor_selfie_gone.html", status=404)
    visitor = visit.visitor
    language = request.GET.get("lang") or request.POST.get("language") or "en"
    wording = consent_text_current(language) or consent_text_current()
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("photo")
        if wording is None and consent_in_force(visitor) is None:
            error = "There is no text to agree to yet. Please ask reception."
        elif request.POST.get("agree") != "yes":
            error = "Please read the text above and tick that you agree first."
        elif upload is None:
            error = "Please take a photo of your face."
        else:
            try:
                with transaction.atomic():
                    if consent_in_force(visitor) is None:
                        assert wording is not None  # checked above
                        consent_record(
                            person=visitor,
                            method=Consent.Method.VISITOR_LINK,
                            text=wording.text,
                            language=wording.language,
                            reference=f"visit {visit.pk}",
                        )
                    for earlier in visitor.face_photos.all():  # a retake replaces the photo
                        earlier.delete()
                    face_photo_create(person=visitor, image=upload)
            except ValidationError as invalid:
                error = " ".join(invalid.messages)
            else:
                return redirect(request.path)
    photo = visitor.face_photos.order_by("-id").first()
    context = {
        "visit": visit,
        "visitor": visitor,
        "wording": wording,
        "photo": photo,
        "error": error,
        "agreed": consent_in_force(visitor) is not None,
    }
    return render(request, "recognition/visitor_selfie.html", context, status=400 if error else 200)


@permission_required("recognition.view_facephoto", raise_exception=True)
def face_photo_statuses(request: HttpRequest, person_id: int) -> JsonResponse:
    """The person's face photos' statuses, as the person's page shows them: the page asks
    while any is being checked, and shows the outcome without a reload."""
    photos = FacePhoto.objects.filter(person_id=person_id)
    return JsonResponse(
        {
            "photos": {
                str(photo.pk): {"status": photo.status, "html": face_photo_status_html(photo)}
                for photo in photos
            },
            "summary": face_summary_html(get_object_or_404(Person, pk=person_id)),
        }
    )
