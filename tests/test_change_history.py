"""The change history: who created, changed or deleted what, with before and after."""

import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from gates.models import AccessRule, Gate, Site
from recognition.faces import enrolment
from recognition.models import FacePhoto
from tests.conftest import token_client
from tests.faces.test_recognition import upload
from tests.factories import GateFactory, PersonFactory, SiteFactory

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp"))


def test_a_change_in_the_admin_records_who_and_the_values_before_and_after(client, manager):
    site = SiteFactory(name="North", timezone="UTC")
    client.force_login(manager)
    response = client.post(
        reverse("admin:gates_site_change", args=[site.pk]),
        {
            "name": "North campus",
            "slug": site.slug,
            "timezone": "Europe/Berlin",
            "address": "",
            "language": "en",
        },
    )
    assert response.status_code == 302
    change = entries_for(site)[-1]
    assert change.action == LogEntry.Action.UPDATE and change.actor == manager
    assert change.changes_dict["name"] == ["North", "North campus"]
    assert change.changes_dict["timezone"] == ["UTC", "Europe/Berlin"]


def test_a_change_through_the_api_records_the_token_user(manager):
    gate = GateFactory(door_webhook_secret="")
    api = token_client(manager)
    response = api.patch(
        f"/api/gates/{gate.pk}/",
        {"name": "Loading dock", "door_webhook_secret": "hunter2"},
        format="json",
    )
    assert response.status_code == 200, response.content
    change = entries_for(gate)[-1]
    assert change.actor == manager
    assert change.changes_dict["name"][1] == "Loading dock"
    assert "hunter2" not in str(change.changes)  # the secret is masked


def test_creation_and_deletion_are_recorded():
    site = SiteFactory()
    gate = Gate.objects.create(site=site, name="Side door", slug="side-door")
    pk = gate.pk
    gate.delete()
    actions = list(
        LogEntry.objects.filter(object_id=pk, content_type__model="gate")
        .order_by("timestamp")
        .values_list("action", flat=True)
    )
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]


def test_biometric_data_never_enters_the_history(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = PersonFactory()
    photo = enrolment.face_photo_create(person=person, image=upload("img1.jpg"))
    photo.embedding, photo.status = b"encrypted vector", FacePhoto.Status.ENROLLED
    photo.save()
    entries = entries_for(photo)
    assert len(entries) == 2 and entries[1].changes_dict["status"][1] == "enrolled"
    for entry in entries:
        assert "embedding" not in entry.changes_dict and "image" not in entry.changes_dict


def test_auditors_and_managers_see_the_history_the_desk_does_not(client, users):
    site = SiteFactory()
    site.name = "Renamed"
    site.save()
    history = reverse("admin:gates_site_auditlog", args=[site.pk])
    listing = reverse("admin:auditlog_logentry_changelist")
    for role in ("manager", "auditor"):
        client.force_login(users[role])
        page = client.get(history)
        assert page.status_code == 200 and "Renamed" in page.content.decode()
        assert client.get(listing + "?action__exact=1").status_code == 200
        change_page = client.get(reverse("admin:gates_site_change", args=[site.pk])).content
        assert history.encode() in change_page  # "Change history" beside the object
    client.force_login(users["desk"])
    assert client.get(history).status_code == 403
    assert client.get(listing).status_code == 403


def test_nobody_edits_or_deletes_the_history(client, users):
    site = Site.objects.create(name="X", slug="x")
    entry = entries_for(site)[0]
    client.force_login(users["manager"])
    assert client.get(reverse("admin:auditlog_logentry_delete", args=[entry.pk])).status_code == 403
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # readable
    assert client.post(change, {"object_repr": "Y"}).status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr == "X"


def test_windows_written_through_the_api_are_in_the_history(manager):
    from gates.models import TimeWindow

    api = token_client(manager)
    created = api.post(
        "/api/schedules/",
        {
            "name": "Night shift",
            "windows": [{"weekday": 4, "start": "22:00", "end": "06:00", "ends_next_day": True}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    window = TimeWindow.objects.get(schedule_id=created.json()["id"])
    entry = entries_for(window)[0]
    assert entry.action == LogEntry.Action.CREATE and entry.actor == manager
    assert entry.changes_dict["start"][1] == "22:00:00"


def test_the_change_history_reads_as_words_with_one_history_button(client, manager):
    """Fields by their names with before and after, kinds of objects by theirs, no empty
    correlation-id column; on an object's page one history, not two."""
    site = SiteFactory(name="North", timezone="UTC")
    client.force_login(manager)
    client.post(
        reverse("admin:gates_site_change", args=[site.pk]),
        {"name": "North", "slug": site.slug, "timezone": "Europe/Berlin", "language": "en"},
    )
    listing = client.get("/admin/auditlog/logentry/").content.decode()
    assert "timezone: UTC → Europe/Berlin" in listing
    assert "Site: North" in listing and "Correlation" not in listing
    page = client.get(reverse("admin:gates_site_change", args=[site.pk])).content.decode()
    assert page.count('class="historylink"') == 1 and "Change history" in page


def test_a_persons_history_shows_their_face_photos_consent_and_rules_beside_their_own(
    client, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    person = PersonFactory(first_name="Ada", last_name="Lovelace")
    other = PersonFactory(first_name="Grace", last_name="Hopper")
    photo = enrolment.face_photo_create(person=person, image=upload("img1.jpg"))
    enrolment.face_photo_create(person=other, image=upload("img2.jpg"))
    photo.status = FacePhoto.Status.REJECTED
    photo.save()
    AccessRule.objects.create(name="Ada at the lab door", person=person, gate=GateFactory())
    client.force_login(users["auditor"])
    page = client.get(reverse("admin:people_person_auditlog", args=[person.pk])).content.decode()
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert {"person", "facephoto", "consent", "accessrule"} <= set(kinds)
    assert f"Face photo {photo.pk} of Ada Lovelace" in page and "Ada at the lab door" in page
    assert "Grace" not in page  # another person's photo is theirs
