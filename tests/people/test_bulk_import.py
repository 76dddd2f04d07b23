"""People in bulk from CSV or XLSX, with their face photos in a ZIP: every row checked first
(nothing changes), then all imported at once, or none when any row is wrong."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from people.models import Person
from tests.conftest import UNIT
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)  # enrolment runs once a photo is committed

HEADER = (
    "first_name,last_name,employee_number,badge_number,email,groups,valid_from,valid_until,photo"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, eager_celery, face_engine):
    """Photos stored in a scratch folder and enrolled at once; a consent text to record (a
    committing test finds none of the migrations' rows)."""
    from people.models import ConsentText

    settings.MEDIA_ROOT = tmp_path / "media"
    ConsentText.objects.get_or_create(language="en", defaults={"text": "Your face is used..."})


@pytest.fixture
def importer(client):
    from tests.factories import UserFactory

    user = UserFactory(username="importer", is_superuser=True)  # committing tests keep no roles
    client.force_login(user)
    return client


def photos_zip(*names: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, (UNIT / "img1.jpg").read_bytes())
    return SimpleUploadedFile("photos.zip", buffer.getvalue(), "application/zip")


def send(client, text: str, *, photos=None, check_only=True, reference="HR cabinet 3"):
    data = {
        "people": SimpleUploadedFile("people.csv", text.encode(), "text/csv"),
        "consent_reference": reference,
    }
    if photos is not None:
        data["photos"] = photos
    if check_only:
        data["check_only"] = "on"
    return client.post("/people/import", data)


def test_a_check_changes_nothing_and_the_import_adds_people_with_their_faces(importer):
    PersonFactory(first_name="Old", last_name="Name", employee_number="E-2")
    text = "\n".join(
        [
            HEADER,
            "Ada,Lovelace,E-1,1001,ada@example.org,Engineering;Night shift,2026-01-01,,ada.jpg",
            "Grace,Hopper,E-2,,,,,,",
        ]
    )
    checked = send(importer, text, photos=photos_zip("ada.jpg"))
    page = checked.content.decode()
    assert "All 2 rows can be imported" in page and "1 to add, 1 to update" in page
    assert Person.objects.count() == 1
    send(importer, text, photos=photos_zip("ada.jpg"), check_only=False)
    ada = Person.objects.get(employee_number="E-1")
    assert ada.badge_number == "1001" and sorted(g.name for g in ada.groups.all()) == [
        "Engineering",
        "Night shift",
    ]
    assert ada.consents.get().reference == "HR cabinet 3"
    assert ada.face_photos.get().status == "enrolled"
    assert Person.objects.get(employee_number="E-2").first_name == "Grace"  # updated


def test_one_wrong_row_stops_the_whole_import_and_says_where(importer):
    text = "\n".join(
        [
            HEADER,
            "Ada,Lovelace,E-1,,,,,,",
            "Bob,,E-3,,not-an-email,,2026-13-01,,bob.jpg",
            "Eve,Else,E-1,,,,,,",
        ]
    )
    page = send(importer, text, photos=photos_zip(), check_only=False).content.decode()
    assert "3 rows cannot be imported" not in page and "2 rows cannot be imported" in page
    assert "last name" in page and "not a date" in page and "not in the ZIP" in page
    assert "Employee number E-1 is on two rows." in page
    assert not Person.objects.exists()


def test_photos_need_a_consent_reference_and_a_consent_text(importer):
    from people.models import ConsentText

    text = "\n".join([HEADER, "Ada,Lovelace,E-1,,,,,,ada.jpg"])
    page = send(importer, text, photos=photos_zip("ada.jpg"), reference="").content.decode()
    assert "A photo needs a consent" in page
    ConsentText.objects.all().delete()
    refused = send(importer, text, photos=photos_zip("ada.jpg"), check_only=False)
    assert refused.status_code == 400 and "no consent text" in refused.content.decode()
    assert not Person.objects.exists()


def test_an_xlsx_file_works_like_a_csv_and_a_broken_file_is_refused(importer):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["Ada", "Lovelace", "E-1", "", "", "", None, None, ""])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("people.xlsx", buffer.getvalue())
    page = importer.post("/people/import", {"people": upload, "check_only": "on"}).content.decode()
    assert "Ada Lovelace" in page and "Nothing was changed" in page
    assert Person.objects.count() == 0
    bad = SimpleUploadedFile("people.xlsx", b"not a workbook")
    refused = importer.post("/people/import", {"people": bad, "check_only": "on"})
    assert refused.status_code == 400 and "not an XLSX workbook" in refused.content.decode()


def test_after_a_clean_check_the_same_files_are_imported_without_sending_them_again(importer):
    from django.contrib.auth.models import User

    from tests.factories import UserFactory

    text = "\n".join([HEADER, "Ada,Lovelace,E-1,,,,,,ada.jpg", "Grace,Hopper,E-2,,,,,,"])
    page = send(importer, text, photos=photos_zip("ada.jpg")).content.decode()
    ticket = re.search(r'name="checked" value="([^"]+)"', page).group(1)
    assert Person.objects.count() == 0

    importer.force_login(UserFactory(username="other", is_superuser=True))
    assert importer.post("/people/import", {"checked": ticket}).status_code == 400  # not theirs
    importer.force_login(User.objects.get(username="importer"))
    done = importer.post("/people/import", {"checked": ticket}).content.decode()
    assert "Imported:" in done and Person.objects.count() == 2
    assert Person.objects.get(employee_number="E-1").face_photos.count() == 1
    again = importer.post("/people/import", {"checked": ticket})  # used once
    assert again.status_code == 400 and "send them again" in again.content.decode()
    assert Person.objects.count() == 2


def test_a_check_with_errors_keeps_nothing_to_import(importer):
    text = "\n".join([HEADER, "Ada,Lovelace,E-1,,,,not-a-day,,"])
    page = send(importer, text).content.decode()
    assert "cannot be imported" in page and 'name="checked"' not in page
