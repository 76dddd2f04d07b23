"""Each role can do what it should and nothing more, in the admin and in the API.

managers: edit people, gates, schedules, rules. auditors: read everything, change nothing.
security desk: read people, gates, schedules, holidays and rules (to make sense of events and
answer "why"), the face snapshots of passages, never enrolled face photos, nothing else.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from gates import roles
from tests.conftest import token_client
from tests.factories import AccessRuleFactory, GateFactory, PersonFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

# resource -> roles that may read it
READERS = {
    "person": {"manager", "auditor", "desk"},
    "persongroup": {"manager", "auditor", "desk"},
    "site": {"manager", "auditor", "desk"},
    "gate": {"manager", "auditor", "desk"},
    "gategroup": {"manager", "auditor", "desk"},
    "schedule": {"manager", "auditor", "desk"},
    "holidaycalendar": {"manager", "auditor", "desk"},
    "holiday": {"manager", "auditor", "desk"},
    "accessrule": {"manager", "auditor", "desk"},
    # Biometric data: never the security desk.
    "facephoto": {"manager", "auditor"},
}
ADMIN_APP = {
    m: "people"
    if m in {"person", "persongroup"}
    else "recognition"
    if m == "facephoto"
    else "gates"
    for m in READERS
}
API_PATH = {
    "person": "/api/people/",
    "persongroup": "/api/groups/",
    "site": "/api/sites/",
    "gate": "/api/gates/",
    "gategroup": "/api/gate-groups/",
    "schedule": "/api/schedules/",
    "holidaycalendar": "/api/holiday-calendars/",
    "holiday": "/api/holidays/",
    "accessrule": "/api/rules/",
    "facephoto": "/api/face-photos/",
}
ROLES = ["manager", "auditor", "desk", "outsider"]


def test_migration_created_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


@pytest.mark.parametrize("model", READERS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_changelist(client, users, role, model):
    client.force_login(users[role])
    response = client.get(reverse(f"admin:{ADMIN_APP[model]}_{model}_changelist"))
    assert response.status_code == (200 if role in READERS[model] else 403)


@pytest.mark.parametrize("model", READERS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_add_only_for_managers(client, users, role, model):
    client.force_login(users[role])
    response = client.get(reverse(f"admin:{ADMIN_APP[model]}_{model}_add"))
    assert response.status_code == (200 if role == "manager" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_admin_person_page_is_read_only_except_for_managers(client, users, role):
    person = PersonFactory(first_name="Original")
    client.force_login(users[role])
    url = reverse("admin:people_person_change", args=[person.pk])
    page = client.get(url)
    if role == "outsider":
        assert page.status_code == 403
        return
    assert page.status_code == 200
    assert (b'name="_save"' in page.content) is (role == "manager")
    if role != "manager":
        assert client.post(url, {"first_name": "Changed", "last_name": "X"}).status_code == 403
        person.refresh_from_db()
        assert person.first_name == "Original"


def test_admin_delete_refused_to_auditor(client, auditor):
    rule = AccessRuleFactory(person=PersonFactory(), gate=GateFactory())
    client.force_login(auditor)
    response = client.post(
        reverse("admin:gates_accessrule_delete", args=[rule.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert type(rule).objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize("model", READERS)
@pytest.mark.parametrize("role", ROLES)
def test_api_list(users, role, model):
    response = token_client(users[role]).get(API_PATH[model])
    assert response.status_code == (200 if role in READERS[model] else 403)


@pytest.mark.parametrize("role", ROLES)
def test_api_create_schedule_only_for_managers(users, role):
    response = token_client(users[role]).post(
        "/api/schedules/", {"name": f"By {role}", "windows": []}, format="json"
    )
    assert response.status_code == (201 if role == "manager" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_api_change_and_delete_only_for_managers(users, role):
    schedule = ScheduleFactory()
    client = token_client(users[role])
    patched = client.patch(f"/api/schedules/{schedule.pk}/", {"name": "Renamed"}, format="json")
    deleted = client.delete(f"/api/schedules/{schedule.pk}/")
    if role == "manager":
        assert (patched.status_code, deleted.status_code) == (200, 204)
    else:
        assert patched.status_code in {403, 404} and deleted.status_code in {403, 404}
        schedule.refresh_from_db()
        assert schedule.name != "Renamed"


def test_api_refuses_anonymous(api):
    for answer in (
        api.get("/api/people/"),
        api.post("/api/access/decide/", {}, format="json"),
        api.get("/api/people/", HTTP_AUTHORIZATION="Token not-a-token"),
    ):
        assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ROLES)
def test_access_questions_for_every_role_but_outsiders(users, role):
    gate, person = GateFactory(), PersonFactory()
    client = token_client(users[role])
    expected = 403 if role == "outsider" else 200
    assert client.get(f"/api/access/gates/{gate.pk}/").status_code == expected
    assert client.get(f"/api/access/people/{person.pk}/").status_code == expected
    decided = client.post(
        "/api/access/decide/", {"person": person.pk, "gate": gate.pk}, format="json"
    )
    assert decided.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_face_photo_files_only_for_roles_that_see_biometrics(
    client, users, role, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from recognition.models import FacePhoto

    settings.MEDIA_ROOT = tmp_path
    photo = FacePhoto.objects.create(
        person=PersonFactory(), image=ContentFile(b"jpeg", name="x.jpg")
    )
    client.force_login(users[role])
    response = client.get(reverse("recognition:face-photo-image", args=[photo.pk]))
    assert response.status_code == (200 if role in READERS["facephoto"] else 403)


@pytest.mark.parametrize("role", ROLES)
def test_face_snapshots_of_passages_for_the_three_roles_enrolment_photos_not_for_the_desk(
    client, users, role, settings, tmp_path
):
    """The decision (README, Roles): the desk is at the door to see who passed or was turned
    away, so it sees the face snapshot of a passage where the gate keeps them (for the days
    the gate keeps them); it never sees the enrolled face photos (previous test)."""
    from recognition.access_log.snapshots import access_snapshot_keep
    from tests.factories import access_event

    settings.MEDIA_ROOT = tmp_path
    gate = GateFactory()
    event = access_event(gate=gate, granted=False, reason="unknown_face")
    access_snapshot_keep(event=event, person=None, jpeg=b"\xff\xd8\xffjpeg", gate=gate)
    client.force_login(users[role])
    response = client.get(reverse("recognition:access-snapshot-image", args=[event.pk]))
    assert response.status_code == (403 if role == "outsider" else 200)
