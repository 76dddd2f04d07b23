"""Erasing a person reaches the change history: every value about them is redacted there
(ours and the admin's own log), while the fact of each change stays: what, which id, action,
when, by whom, which fields."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.core.files.base import ContentFile
from django.urls import reverse

from people.erasure import ERASED
from people.models import Person
from recognition.access_log.chain import audit_chain_verify
from recognition.models import AccessEvent, FacePhoto
from tests.conftest import UNIT, token_client
from tests.factories import GateFactory, access_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def history_text() -> str:
    """All of both change logs as one text, to search for a name."""
    ours = LogEntry.objects.values_list("object_repr", "changes", "changes_text", "serialized_data")
    admins = AdminLogEntry.objects.values_list("object_repr", "change_message")
    return json.dumps([list(map(str, row)) for row in [*ours, *admins]], ensure_ascii=False)


def lived_a_while(client, manager) -> tuple[int, int]:
    """Ada (and Grace) through the API and the admin: created, renamed, a rule, a consent, a
    face photo added and one deleted. Returns Ada's and Grace's ids."""
    api = token_client(manager)
    gate = GateFactory(name="Lobby")
    ada = api.post("/api/people/", {"first_name": "Ada", "last_name": "Byron"}, format="json")
    grace = api.post("/api/people/", {"first_name": "Grace", "last_name": "Hopper"}, format="json")
    ada_id, grace_id = ada.json()["id"], grace.json()["id"]
    api.patch(
        f"/api/people/{ada_id}/", {"last_name": "Lovelace", "notes": "Analyst"}, format="json"
    )
    rule = {"name": "Ada Lovelace, Lobby", "person": ada_id, "gate": gate.pk}
    assert api.post("/api/rules/", rule, format="json").status_code == 201
    consent = {"method": "signed_form"}
    assert api.post(f"/api/people/{ada_id}/consent/", consent, format="json").status_code == 201
    for name in ("img1.jpg", "img2.jpg"):
        image = ContentFile((UNIT / name).read_bytes(), name=name)
        assert (
            api.post(
                "/api/face-photos/", {"person": ada_id, "image": image}, format="multipart"
            ).status_code
            == 201
        )
    api.delete(f"/api/face-photos/{FacePhoto.objects.filter(person_id=ada_id).first().pk}/")
    client.force_login(manager)
    changed = client.post(
        reverse("admin:people_person_change", args=[ada_id]),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "employee_number": "",
            "email": "ada@example.org",
            "is_active": "on",
            "notes": "Analyst",
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
            "face_photos-TOTAL_FORMS": "0",
            "face_photos-INITIAL_FORMS": "0",
            "access_rules-TOTAL_FORMS": "0",
            "access_rules-INITIAL_FORMS": "0",
        },
    )
    assert changed.status_code == 302
    access_event(gate=gate, person=Person.objects.get(pk=ada_id))
    return ada_id, grace_id


@pytest.mark.parametrize("way", ["api", "admin"])
def test_erasure_redacts_the_history_and_keeps_the_facts_of_each_change(
    client, manager, way, django_capture_on_commit_callbacks
):
    ada_id, grace_id = lived_a_while(client, manager)
    text = history_text()
    assert "Lovelace" in text and "Byron" in text and "ada@example.org" in text
    assert AdminLogEntry.objects.filter(object_id=str(ada_id)).exists()
    before = LogEntry.objects.count()
    fields_changed = sorted(
        LogEntry.objects.get(object_id=ada_id, action=1, changes__has_key="notes").changes
    )

    with django_capture_on_commit_callbacks(execute=True):
        if way == "api":
            assert token_client(manager).delete(f"/api/people/{ada_id}/").status_code == 204
        else:
            page = reverse("admin:people_person_delete", args=[ada_id])
            assert client.post(page, {"post": "yes"}).status_code == 302

    assert not Person.objects.filter(pk=ada_id).exists() and not FacePhoto.objects.exists()
    text = history_text()
    for value in ("Lovelace", "Byron", "ada@example.org", "Analyst"):
        assert value not in text, value
    # The facts stay: every entry, and the deletion itself, with what kind and which fields.
    person_entries = LogEntry.objects.filter(content_type__model="person", object_id=ada_id)
    assert LogEntry.objects.count() > before
    assert sorted(person_entries.values_list("action", flat=True)) == [0, 1, 1, 2]
    renamed = person_entries.get(action=1, changes__has_key="notes")
    assert sorted(renamed.changes) == fields_changed
    assert renamed.changes["last_name"] == [ERASED, ERASED]
    assert renamed.actor == manager and renamed.object_repr == f"person #{ada_id} (erased)"
    for model in ("facephoto", "accessrule", "consent"):
        assert LogEntry.objects.filter(content_type__model=model).exists(), model
    # Grace is untouched.
    assert "Grace" in text and "Hopper" in text
    assert LogEntry.objects.filter(object_id=grace_id, object_repr="Grace Hopper").exists()
    # The access log is not rewritten: still whole, the name there until retention prunes it.
    assert audit_chain_verify().ok
    assert AccessEvent.objects.get().person_name == "Ada Lovelace"
