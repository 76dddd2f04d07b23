"""Personal data at rest under a new key: ``keys_rotate`` re-encrypts every file and column,
after which the old key can leave the list; files written before encryption covered them
are encrypted by the migrations."""

import importlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image

from recognition.faces.crypto import embedding_decrypt, embedding_encrypt
from recognition.models import FacePhoto, ReportExport
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def jpeg(colour=(200, 150, 100)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def stored(settings, tmp_path):
    """GIVEN a display photo, a face photo with its embedding and a report file, all written
    under the old key."""
    settings.MEDIA_ROOT = tmp_path
    settings.BIOMETRIC_KEYS = [OLD]
    person = PersonFactory()
    person.photo.save("display.jpg", ContentFile(jpeg()), save=True)
    vector = np.arange(128, dtype=np.float32)
    face = FacePhoto.objects.create(
        person=person,
        image=ContentFile(jpeg((10, 20, 30)), name="face.jpg"),
        embedding=embedding_encrypt(vector),
        status=FacePhoto.Status.ENROLLED,
    )
    report = ReportExport.objects.create(format="csv", status="done")
    report.file.save("report.csv", ContentFile(b"Person,Reason\nAda,granted\n"), save=True)
    return {"person": person, "face": face, "report": report, "vector": vector}


def rotate(*args: str) -> dict:
    out = io.StringIO()
    call_command("keys_rotate", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_rotation_moves_everything_to_the_new_key(stored, settings, admin_client):
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    with pytest.raises(CommandError, match="4 items still need an older key"):
        rotate("--check")
    done = rotate()
    assert (done["rotated"], done["current"], done["older"], done["missing"]) == (4, 4, 0, 0)
    assert rotate("--check")["current"] == 4  # and it exits 0 now

    settings.BIOMETRIC_KEYS = [NEW]  # the old key is gone: everything still reads
    person, face, report = stored["person"], stored["face"], stored["report"]
    served = admin_client.get(reverse("people:photo", args=[person.pk]))
    assert b"".join(served.streaming_content) == person.photo.open("rb").read()
    with face.image.open("rb") as handle:
        assert handle.read()[:2] == b"\xff\xd8"
    face.refresh_from_db()
    assert np.array_equal(embedding_decrypt(face.embedding), stored["vector"])
    with report.file.open("rb") as handle:
        assert handle.read() == b"Person,Reason\nAda,granted\n"
    with open(report.file.path, "rb") as raw:
        assert Fernet(NEW).decrypt(raw.read()).startswith(b"Person")


def test_a_second_rotation_changes_nothing(stored, settings):
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    assert rotate()["rotated"] == 4
    again = rotate()
    assert (again["rotated"], again["current"]) == (0, 4)


def test_a_missing_file_is_counted_not_fatal(stored, settings):
    Path(stored["report"].file.path).unlink()
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    done = rotate()
    assert (done["missing"], done["rotated"]) == (1, 3)


def test_display_photos_and_reports_stored_before_are_encrypted_by_the_migrations(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.BIOMETRIC_KEYS = [OLD]
    (tmp_path / "people/display").mkdir(parents=True)
    (tmp_path / "reports").mkdir()
    original = jpeg()
    (tmp_path / "people/display/ada-lovelace.jpg").write_bytes(original)
    (tmp_path / "reports/old.csv").write_bytes(b"Person\nAda\n")
    person = PersonFactory(photo="people/display/ada-lovelace.jpg")
    ReportExport.objects.create(format="csv", status="done", file="reports/old.csv")

    people_step = importlib.import_module("people.migrations.0004_encrypted_files")
    reports_step = importlib.import_module("recognition.migrations.0011_encrypted_files")
    people_step.display_photos_encrypt(apps, None)
    reports_step.report_files_encrypt(apps, None)
    people_step.display_photos_encrypt(apps, None)  # a second run leaves it alone

    person.refresh_from_db()
    assert not (tmp_path / "people/display/ada-lovelace.jpg").exists()
    assert "ada" not in person.photo.name
    assert person.photo.open("rb").read() == original
    assert Fernet(OLD).decrypt((tmp_path / "reports/old.csv").read_bytes()) == b"Person\nAda\n"
