"""A subject-access export: everything held about one person in one ZIP, photos decrypted,
nobody else's data in it, and the export itself recorded."""

import csv
import io
import json
import zipfile

import numpy as np
import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.urls import reverse

from recognition.access_log.snapshots import access_snapshot_keep
from recognition.faces.crypto import embedding_encrypt
from recognition.models import FacePhoto
from tests.conftest import UNIT, token_client
from tests.factories import AccessRuleFactory, GateFactory, PersonFactory, access_event

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # stored as given: only the bytes are compared


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ada():
    person = PersonFactory(first_name="Ada", last_name="Lovelace", notes="Analyst")
    person.photo.save("display.png", ContentFile(PNG))
    face = (UNIT / "img1.jpg").read_bytes()
    vector = np.arange(128, dtype="<f4") / 128
    FacePhoto.objects.create(
        person=person,
        image=ContentFile(face, name="img1.jpg"),
        status="enrolled",
        embedding=embedding_encrypt(vector),
        model_name="SFace",
    )
    gate = GateFactory(name="Lobby")
    AccessRuleFactory(name="Ada at the lobby", person=person, gate=gate)
    access_event(gate=gate, person=person)
    seen = access_event(gate=gate, person=person, granted=False, reason="outside_schedule")
    access_snapshot_keep(event=seen, person=person, jpeg=b"\xff\xd8\xffsnap", gate=gate)
    other = PersonFactory(first_name="Grace", last_name="Hopper")
    access_event(gate=gate, person=other)
    return person, face, vector


def archive_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_holds_everything_about_the_person_and_nothing_else(client, manager, ada):
    person, face, vector = ada
    client.force_login(manager)
    archive = archive_of(client.get(reverse("people:data-export", args=[person.pk])))
    names = set(archive.namelist())
    assert {
        "README.txt",
        "person.json",
        "consents.json",
        "face_photos.json",
        "photos/display.png",
        "access_rules.json",
        "access_events.csv",
        "change_history.json",
    } <= names
    (face_file,) = [n for n in names if n.startswith("photos/face-")]
    assert face_file.endswith(".jpg") and archive.read(face_file) == face  # decrypted
    assert archive.read("photos/display.png") == PNG
    (snapshot,) = [n for n in names if n.startswith("snapshots/")]
    assert archive.read(snapshot) == b"\xff\xd8\xffsnap"

    record = json.loads(archive.read("person.json"))
    assert (record["last_name"], record["notes"]) == ("Lovelace", "Analyst")
    (photo,) = json.loads(archive.read("face_photos.json"))
    assert photo["file"] == face_file and np.allclose(photo["embedding"], vector, atol=1e-6)
    (consent,) = json.loads(archive.read("consents.json"))
    assert consent["text"] == "I agree (test wording)." and consent["withdrawn_at"] is None
    assert [r["name"] for r in json.loads(archive.read("access_rules.json"))] == [
        "Ada at the lobby"
    ]
    events = list(
        csv.DictReader(io.StringIO(archive.read("access_events.csv").decode("utf-8-sig")))
    )
    assert len(events) == 2 and {e["Decision"] for e in events} == {"granted", "denied"}
    assert "Hopper" not in archive.read("access_events.csv").decode()
    assert "Lovelace" in archive.read("README.txt").decode()

    (recorded,) = LogEntry.objects.filter(object_id=person.pk, action=LogEntry.Action.ACCESS)
    assert recorded.actor == manager and recorded.additional_data == {"subject_access_export": True}


def test_through_the_api_too(manager, ada):
    person, _, _ = ada
    response = token_client(manager).get(f"/api/people/{person.pk}/data-export/")
    assert response["Content-Type"] == "application/zip"
    assert "person.json" in archive_of(response).namelist()


@pytest.mark.parametrize("role", ["auditor", "desk", "outsider"])
def test_only_managers_export_a_persons_data(client, users, role, ada):
    person, _, _ = ada
    client.force_login(users[role])
    assert client.get(reverse("people:data-export", args=[person.pk])).status_code == 403
    api = token_client(users[role])
    assert api.get(f"/api/people/{person.pk}/data-export/").status_code in (403, 404)
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
