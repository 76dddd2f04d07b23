from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accessportal.private_files import private_file_response
from people.bulk_import import ImportRefused, people_import
from people.consent import consent_in_force, consent_withdraw
from people.forms import PeopleImportForm, VisitForm
from people.import_checked import CheckedFiles, checked_files_keep, checked_files_take
from people.models import Person, Visit
from people.passes import pass_qr_svg, pass_reissue, qr_svg
from people.subject_access import subject_access_export
from people.visits import visit_end, visit_link_token, visit_register
from recognition.faces.enrolment import face_photo_create


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
            _(
                "Consent withdrawn. %(count)s face photo(s) of %(person)s deleted; they are no "
                "longer recognised at any gate."
            )
            % {"count": deleted, "person": person},
        )
        return redirect(person_page)
    context = {
        **admin.site.each_context(request),
        "title": _("Withdraw the consent of %(person)s") % {"person": person},
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
            request,
            _("A new pass was issued to %(person)s; every earlier pass of theirs is void.")
            % {"person": person},
        )
        return redirect("people:pass", person_id=person.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("QR pass of %(person)s") % {"person": person},
        "person": person,
        # The SVG is made by the qrcode library from a signed code, never from user input.
        "qr_svg": mark_safe(pass_qr_svg(person)),  # noqa: S308
        "person_page": person_page,
        "opts": Person._meta,
    }
    return render(request, "admin/people/person_pass.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("people.add_visit", raise_exception=True)
def visit_register_page(request: HttpRequest) -> HttpResponse:
    """A host (reception, a manager) registers a visitor, then gets their pass and link."""
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        visit = visit_register(**form.cleaned_data, host=request.user)
        messages.success(
            request,
            _("%(visitor)s is registered. Hand over or send the pass.")
            % {"visitor": visit.visitor},
        )
        return redirect("people:visit", visit_id=visit.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Register a visitor"),
        "form": form,
        "zone": timezone.get_current_timezone_name(),
        "opts": Visit._meta,
    }
    return render(request, "admin/people/visit_register.html", context)


@permission_required("people.view_visit", raise_exception=True)
def visit_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    """A visit: its times and gates, the visitor's QR pass, the link to enrol their face."""
    visit = get_object_or_404(Visit.objects.select_related("visitor"), pk=visit_id)
    link = request.build_absolute_uri(
        reverse("recognition:visitor-selfie", args=[visit_link_token(visit)])
    )
    lasting = visit.ended_at is None and timezone.now() < visit.ends_at
    photos = list(visit.visitor.face_photos.all())
    statuses = [photo.status for photo in photos]
    may_change = request.user.has_perm("people.change_visit")
    context = {
        **admin.site.each_context(request),
        "title": _("Visit of %(visitor)s") % {"visitor": visit.visitor},
        "visit": visit,
        "gates": [rule.gate for rule in visit.visitor.access_rules.select_related("gate__site")],
        "face_photos": statuses,
        "face_photo_labels": [photo.get_status_display() for photo in photos],
        "lasting": lasting,
        # A pass and a link are handed out by whoever may change the visit, while it lasts.
        "pass_svg": mark_safe(pass_qr_svg(visit.visitor)) if lasting and may_change else "",  # noqa: S308
        "link": link if lasting and may_change else "",
        "link_svg": mark_safe(qr_svg(link)) if lasting and may_change else "",  # noqa: S308
        "may_end": lasting and may_change,
        "zone": timezone.get_current_timezone_name(),
        "opts": Visit._meta,
    }
    return render(request, "admin/people/visit.html", context)


@require_http_methods(["POST"])
@permission_required("people.change_visit", raise_exception=True)
def visit_end_now(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.select_related("visitor"), pk=visit_id)
    if visit.ended_at is None:
        deleted = visit_end(visit, by=request.user)
        messages.success(
            request,
            _("The visit of %(visitor)s is over: %(count)s face photo(s) deleted, the pass voided.")
            % {"visitor": visit.visitor, "count": deleted},
        )
    return redirect("people:visit", visit_id=visit.pk)


@require_http_methods(["GET", "POST"])
@permission_required(["people.add_person", "people.change_person"], raise_exception=True)
def people_import_page(request: HttpRequest) -> HttpResponse:
    """People in bulk from a CSV or XLSX file, with their face photos in a ZIP: checked row by
    row first (nothing changes), then imported all at once."""
    ticket = request.POST.get("checked", "")
    form = PeopleImportForm(
        None if ticket else (request.POST or None), None if ticket else (request.FILES or None)
    )
    report, refusal, files, kept = None, "", None, ""
    if ticket:  # "Import them now", after a clean check: the files kept then
        files = checked_files_take(ticket, user_id=int(request.user.pk or 0))
        if files is None:
            refusal = _("The checked files are no longer kept (an hour at most): send them again.")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["people"]
        photos = form.cleaned_data["photos"]
        may_add_faces = request.user.has_perms(["recognition.add_facephoto", "people.add_consent"])
        files = CheckedFiles(
            kind=upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else "",
            data=upload.read(),
            photos=photos.read() if photos and may_add_faces else None,
            consent_reference=form.cleaned_data["consent_reference"],
        )
    if files is not None:
        apply = bool(ticket) or not form.cleaned_data["check_only"]
        try:
            report = people_import(
                data=files.data,
                kind=files.kind,
                photos=files.photos,
                consent_reference=files.consent_reference,
                apply=apply,
                by=request.user,
                store_photo=face_photo_create,
            )
        except ImportRefused as error:
            refusal = str(error)
        if report is not None and not report.applied and not report.errors:
            kept = checked_files_keep(files=files, user_id=int(request.user.pk or 0))
    context = {
        **admin.site.each_context(request),
        "title": _("Import people"),
        "form": form,
        "report": report,
        "refusal": refusal,
        "checked": kept,
        "opts": Person._meta,
    }
    return render(
        request, "admin/people/people_import.html", context, status=400 if refusal else 200
    )
