from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accessportal.private_files import private_file_response
from people.consent import consent_in_force, consent_withdraw
from people.models import Person
from people.passes import pass_qr_svg, pass_reissue
from people.subject_access import subject_access_export


@permission_required("people.view_person", raise_exception=True)
def person_photo(request: HttpRequest, person_id: int) -> FileResponse:
    """A person's display photo, for operators allowed to see people. Never public."""
    person = get_object_or_404(Person, pk=person_id)
    if not person.photo:
        raise Http404("This person has no photo.")
    return private_file_response(person.photo)


def data_export_response(person: Person, request: HttpRequest) -> FileResponse:
    """The subject-access ZIP as a download, recorded as made by the requesting operator."""
    archive = subject_access_export(person=person, by=request.user, installation=request.get_host())
    return private_file_response(archive, download=f"person-{person.pk}-data.zip")


@permission_required(["people.view_person", "people.export_person_data"], raise_exception=True)
def person_data_export(request: HttpRequest, person_id: int) -> FileResponse:
    """Everything held about one person, as a ZIP to hand over (subject-access request)."""
    return data_export_response(get_object_or_404(Person, pk=person_id), request)


@require_http_methods(["GET", "POST"])
@permission_required(
    ["people.change_consent", "recognition.delete_facephoto"], raise_exception=True
)
def person_consent_withdraw(request: HttpRequest, person_id: int) -> HttpResponse:
    """Ask, then withdraw the person's consent and delete their face photos."""
    person = get_object_or_404(Person, pk=person_id)
    person_page = reverse("admin:people_person_change", args=[person.pk])
    if request.method == "POST":
        deleted = consent_withdraw(person=person, by=request.user)
        messages.success(
            request,
            f"Consent withdrawn. {deleted} face photo(s) of {person} deleted; "
            "they are no longer recognised at any gate.",
        )
        return redirect(person_page)
    context = {
        **admin.site.each_context(request),
        "title": f"Withdraw the consent of {person}",
        "person": person,
        "consent": consent_in_force(person),
        "face_photos": person.face_photos.count(),
        "person_page": person_page,
        "opts": Person._meta,
    }
    return render(request, "admin/people/consent_withdraw.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(["people.view_person", "people.change_person"], raise_exception=True)
def person_pass(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's QR pass, to print or show on a phone, at gates that ask for a pass first;
    POST issues a new one, and every older pass stops working."""
    person = get_object_or_404(Person, pk=person_id)
    person_page = reverse("admin:people_person_change", args=[person.pk])
    if request.method == "POST":
        pass_reissue(person)
        messages.success(
            request, f"A new pass was issued to {person}; every earlier pass of theirs is void."
        )
        return redirect("people:pass", person_id=person.pk)
    context = {
        **admin.site.each_context(request),
        "title": f"QR pass of {person}",
        "person": person,
        # The SVG is made by the qrcode library from a signed code, never from user input.
        "qr_svg": mark_safe(pass_qr_svg(person)),  # noqa: S308
        "person_page": person_page,
        "opts": Person._meta,
    }
    return render(request, "admin/people/person_pass.html", context)
