import dataclasses

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accessportal import security_headers
from accessportal.private_files import private_file_response
from people.consent import consent_in_force, consent_record, consent_text_current
from people.models import Consent, Person
from people.visits import visit_from_link
from recognition.faces.admin import face_photo_status_html, face_summary_html
from recognition.faces.camera_check import camera_frame_check
from recognition.faces.engine import ImageError, get_engine
from recognition.faces.enrolment import face_photo_create, face_photo_reason
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
    chosen = request.GET.get("lang") or request.POST.get("language")
    language = chosen if chosen in dict(settings.LANGUAGES) else translation.get_language()
    translation.activate(language)  # the page's words too, not only the consent's
    wording = consent_text_current(language) or consent_text_current()
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("photo")
        if wording is None and consent_in_force(visitor) is None:
            error = _("There is no text to agree to yet. Please ask reception.")
        elif request.POST.get("agree") != "yes":
            error = _("Please read the text above and tick that you agree first.")
        elif upload is None:
            error = _("Please take a photo of your face.")
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
        "photo_reason": face_photo_reason(photo) if photo else "",
        "error": error,
        "agreed": consent_in_force(visitor) is not None,
    }
    return render(request, "recognition/visitor_selfie.html", context, status=400 if error else 200)


CAMERA_FRAME_MAX_BYTES = 2 * 1024 * 1024  # a webcam frame; the photo itself has the upload limit


@permission_required("recognition.add_facephoto", raise_exception=True)
def face_photo_camera(request: HttpRequest, person_id: int) -> HttpResponse:
    """Enrolment from the operator's webcam: the person stands in front of it, a meter says
    how good the picture is (the enrolment's own rules, frame by frame), and the photo taken
    is stored and enrolled like an upload, its outcome shown as it comes."""
    person = get_object_or_404(Person, pk=person_id)
    context = {
        **admin.site.each_context(request),
        "title": _("Enrol %(person)s from the camera") % {"person": person},
        "person": person,
        "person_page": reverse("admin:people_person_change", args=[person.pk]),
        "consent": consent_in_force(person),
        "urls": {
            "check": reverse("recognition:face-camera-check", args=[person.pk]),
            "take": reverse("recognition:face-camera-take", args=[person.pk]),
            "statuses": reverse("recognition:face-photo-statuses", args=[person.pk]),
        },
    }
    response = render(request, "recognition/face_camera.html", context)
    response.headers[security_headers.HEADER] = security_headers.PERMISSIONS_POLICY_CAMERA
    return response


@require_POST
@permission_required("recognition.add_facephoto", raise_exception=True)
def face_photo_camera_check(request: HttpRequest, person_id: int) -> JsonResponse:
    """One webcam frame's verdict (``camera_frame_check``), as JSON for the page's meter."""
    frame = request.FILES.get("frame")
    if frame is None or (frame.size or 0) > CAMERA_FRAME_MAX_BYTES:
        return JsonResponse({"error": _("Send one camera frame, at most 2 MB.")}, status=400)
    engine = get_engine()
    try:
        reading = engine.read(frame.read(), photo=True, check_liveness=False)
    except ImageError as error:
        return JsonResponse({"error": str(error)}, status=400)
    check = camera_frame_check(reading, min_face_px=engine.config.min_face_px)
    return JsonResponse(dataclasses.asdict(check))


@require_POST
@permission_required("recognition.add_facephoto", raise_exception=True)
def face_photo_camera_take(request: HttpRequest, person_id: int) -> JsonResponse:
    """The photo taken: stored and queued for enrolment as an uploaded one is (consent on
    record, the upload's limits); the page then follows its status."""
    person = get_object_or_404(Person, pk=person_id)
    photo_file = request.FILES.get("photo")
    if photo_file is None:
        return JsonResponse({"error": _("No photo was sent.")}, status=400)
    try:
        with transaction.atomic():
            photo = face_photo_create(person=person, image=photo_file)
    except ValidationError as invalid:
        return JsonResponse({"error": " ".join(invalid.messages)}, status=400)
    return JsonResponse(
        {"id": photo.pk, "status": photo.status, "html": face_photo_status_html(photo)},
        status=201,
    )


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
