"""Links to stored files. Every stored file is encrypted and never served as it lies: the
admin's file widgets link to ``/files/<name>``, which sends a signed-in operator on to the
page that serves that file after checking their permission (a face photo's, a person's
photo's, a face snapshot's, a report's). No link to a stored file is ever dead."""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Where each kind of file lies, who holds it, and the page that serves it (by the row's id).
STORED_FILES = (
    ("faces/", "recognition.FacePhoto", "image", "recognition:face-photo-image", "pk"),
    ("people/display/", "people.Person", "photo", "people:photo", "pk"),
    (
        "access-snapshots/",
        "recognition.AccessSnapshot",
        "image",
        "recognition:access-snapshot-image",
        "event_id",
    ),
    ("reports/", "recognition.ReportExport", "file", "recognition:report-export", "pk"),
)


def stored_file_url(name: str) -> str:
    return reverse("stored-file", args=[name])


@staff_member_required
def stored_file(request: HttpRequest, name: str) -> HttpResponse:
    for prefix, label, field, page, key in STORED_FILES:
        if name.startswith(prefix):
            row = apps.get_model(label).objects.filter(**{field: name}).values_list(key, flat=True)
            if row:
                return redirect(page, row[0])
            break
    raise Http404("No stored file has this name (it may have been deleted).")
