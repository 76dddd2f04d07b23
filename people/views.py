from django.contrib.auth.decorators import permission_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from people.models import Person


def private_file_response(file: FieldFile) -> FileResponse:
    """A stored photo for an operator already checked for permission: never cached."""
    response = FileResponse(file.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("people.view_person", raise_exception=True)
def person_photo(request: HttpRequest, person_id: int) -> FileResponse:
    """A person's display photo, for operators allowed to see people. Never public."""
    person = get_object_or_404(Person, pk=person_id)
    if not person.photo:
        raise Http404("This person has no photo.")
    return private_file_response(person.photo)
