"""Consent before enrolment: no face photo is stored for a person without consent in force,
whichever way it comes (service, API, the admin's two forms); withdrawing deletes the photos."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from people.consent import (
    consent_in_force,
    consent_record,
    consent_text_current,
    consent_withdraw,
)
from people.models import Consent
from recognition.faces import enrolment
from recognition.models import FacePhoto
from tests.conftest import UNIT, token_client
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

JPEG = (UNIT / "img1.jpg").read_bytes()


def jpeg(name: str = "face.jpg") -> ContentFile:
    return ContentFile(JPEG, name=name)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stored_files(settings) -> list:
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_without_consent_no_face_photo_is_stored(settings):
    person = PersonFactory(consent=False)
    with pytest.raises(ValidationError) as refused:
        enrolment.face_photo_store(person=person, image=jpeg())
    assert (
        refused.value.code == "no_consent" and "Record their consent" in refused.value.messages[0]
    )
    assert not FacePhoto.objects.exists() and stored_files(settings) == []

    consent = consent_record(person=person, method=Consent.Method.SIGNED_FORM, reference="HR 7")
    assert consent.text == consent_text_current().text and consent.language == "en"
    assert enrolment.face_photo_store(person=person, image=jpeg()).person == person


def test_the_first_wordings_are_there_in_english_and_chinese():
    english, chinese = consent_text_current("en"), consent_text_current("zh-hans")
    assert "withdraw this consent at any time" in english.text
    assert "撤回本同意" in chinese.text


def test_through_the_api_consent_is_recorded_then_photos_are_accepted(manager):
    api = token_client(manager)
    person = PersonFactory(consent=False)
    upload = {"person": person.pk, "image": jpeg()}
    refused = api.post("/api/face-photos/", upload, format="multipart")
    assert refused.status_code == 400 and "No consent" in str(refused.json())
    assert api.get(f"/api/people/{person.pk}/").json()["consent_given_at"] is None

    given = api.post(
        f"/api/people/{person.pk}/consent/",
        {"method": "on_screen", "language": "zh-hans"},
        format="json",
    )
    assert given.status_code == 201, given.content
    assert given.json()["text"] == consent_text_current("zh-hans").text
    listed = api.get("/api/people/", {"employee_number": person.employee_number}).json()
    assert listed["results"][0]["consent_given_at"] == given.json()["given_at"]
    accepted = api.post(
        "/api/face-photos/", {"person": person.pk, "image": jpeg()}, format="multipart"
    )
    assert accepted.status_code == 201, accepted.content
    assert Consent.objects.get().recorded_by == manager


def person_page_post(client, person, *, consent: bool, photo: bool):
    """The person's admin page as a manager submits it: the record unchanged, possibly a new
    consent and a new face photo."""
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "employee_number": person.employee_number,
        "email": "",
        "is_active": "on",
        "notes": "",
        "consents-TOTAL_FORMS": "1" if consent else "0",
        "consents-INITIAL_FORMS": "0",
        "face_photos-TOTAL_FORMS": "1",
        "face_photos-INITIAL_FORMS": "0",
        "access_rules-TOTAL_FORMS": "0",
        "access_rules-INITIAL_FORMS": "0",
    }
    if consent:
        data |= {
            "consents-0-wording": consent_text_current().pk,
            "consents-0-method": "signed_form",
            "consents-0-reference": "HR file 12",
        }
    if photo:
        data["face_photos-0-image"] = jpeg()
    return client.post(reverse("admin:people_person_change", args=[person.pk]), data)


def test_on_the_person_page_a_photo_needs_a_consent_recorded_before_or_with_it(
    client, manager, settings, django_capture_on_commit_callbacks
):
    person = PersonFactory(consent=False)
    client.force_login(manager)
    refused = person_page_post(client, person, consent=False, photo=True)
    assert refused.status_code == 200  # the page again, with the error
    assert "No consent to the use of this person" in refused.content.decode()
    assert not FacePhoto.objects.exists() and stored_files(settings) == []

    with django_capture_on_commit_callbacks():  # enrolment is queued on commit; not run here
        saved = person_page_post(client, person, consent=True, photo=True)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    consent = consent_in_force(person)
    assert consent.reference == "HR file 12" and consent.recorded_by == manager
    assert person.face_photos.count() == 1


def test_a_refused_face_photo_is_explained_at_the_top_of_the_page(client, manager):
    """The inline's error is far down the page: it is also said first, under the banner."""
    person = PersonFactory(consent=False)
    client.force_login(manager)
    html = person_page_post(client, person, consent=False, photo=True).content.decode()
    summary = html.index('class="errorlist inline-errors-summary"')
    assert summary < html.index("<fieldset")
    said = html[summary : html.index("</ul>", summary)]
    assert "Face photos for recognition: " in said and "No consent to the use" in said


def test_the_face_photo_form_of_the_admin_refuses_a_person_without_consent(client, manager):
    person = PersonFactory(consent=False)
    client.force_login(manager)
    page = client.post(
        reverse("admin:recognition_facephoto_add"), {"person": person.pk, "image": jpeg()}
    )
    assert page.status_code == 200 and "No consent to the use" in page.content.decode()
    assert not FacePhoto.objects.exists()


def test_withdrawing_deletes_the_face_photos_and_keeps_the_record(
    client, manager, settings, django_capture_on_commit_callbacks
):
    person = PersonFactory()
    for name in ("a.jpg", "b.jpg"):
        FacePhoto.objects.create(person=person, image=jpeg(name), status="enrolled")
    assert len(stored_files(settings)) == 2
    client.force_login(manager)
    page = client.get(reverse("people:consent-withdraw", args=[person.pk])).content.decode()
    assert "deletes <strong>2 face photos</strong>" in page

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("people:consent-withdraw", args=[person.pk]))
    assert done.status_code == 302
    assert not FacePhoto.objects.exists() and stored_files(settings) == []
    (consent,) = person.consents.all()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == manager
    with pytest.raises(ValidationError):
        enrolment.face_photo_store(person=person, image=jpeg())


@pytest.mark.parametrize("role", ["auditor", "desk", "outsider"])
def test_only_managers_record_or_withdraw_consent(client, users, role):
    person = PersonFactory()
    FacePhoto.objects.create(person=person, image=jpeg(), status="enrolled")
    client.force_login(users[role])
    assert client.post(reverse("people:consent-withdraw", args=[person.pk])).status_code == 403
    api = token_client(users[role])
    assert api.post(f"/api/people/{person.pk}/consent/", {"method": "on_screen"}).status_code == 403
    assert api.post(f"/api/people/{person.pk}/consent/withdraw/").status_code == 403
    assert FacePhoto.objects.count() == 1 and consent_in_force(person) is not None


def test_a_recorded_consent_is_never_rewritten_in_the_admin(client, manager):
    person = PersonFactory()
    client.force_login(manager)
    page = client.get(reverse("admin:people_person_change", args=[person.pk])).content.decode()
    assert "I agree (test wording)." in page  # shown, read-only
    assert 'name="consents-0-method"' not in page  # no empty consent form: one is in force
    assert 'name="consents-MAX_NUM_FORMS" value="1"' in page  # and no "add another" beside it
    assert "Withdraw consent" in page

    consent_withdraw(person=person, by=manager)
    page = client.get(reverse("admin:people_person_change", args=[person.pk])).content.decode()
    assert 'name="consents-1-method"' in page  # a new consent may be recorded
    assert "Withdraw consent" not in page  # nothing in force to withdraw
