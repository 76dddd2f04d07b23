"""Visitors: registered by reception with hours and gates, a QR pass and a link to enrol
their own face (after agreeing on their phone), let in only during the visit, and their
biometric data deleted when it ends."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gates.decisions import Reason
from people.models import Consent, Person, Visit
from people.passes import claimed_person_id, pass_code
from people.visits import visit_from_link, visit_link_token, visit_register, visits_end
from recognition.kiosks import pairing
from recognition.kiosks.passages import Agreement, Seen
from recognition.kiosks.recording import passage_record
from tests.conftest import UNIT
from tests.factories import GateFactory, UserFactory

pytestmark = pytest.mark.django_db
# Enrolment runs once a photo is committed: those tests commit (and find no role groups).
COMMITTING = pytest.mark.django_db(transaction=True)


@pytest.fixture
def _media(settings, tmp_path, eager_celery, face_engine):
    """Photos stored in a scratch folder and enrolled at once; a consent text to agree to
    (a committing test finds none of the migrations' rows)."""
    from people.models import ConsentText

    settings.MEDIA_ROOT = tmp_path / "media"
    ConsentText.objects.get_or_create(language="en", defaults={"text": "Your face is used..."})


def register(desk, *gates, hours=8, starts_in=dt.timedelta(0)) -> Visit:
    now = timezone.now()
    return visit_register(
        first_name="Grace",
        last_name="Hopper",
        company="Navy",
        starts_at=now + starts_in,
        ends_at=now + starts_in + dt.timedelta(hours=hours),
        gates=gates,
        host=desk,
    )


def test_reception_registers_a_visitor_and_hands_over_the_pass_and_link(client, desk):
    lobby = GateFactory(name="Lobby")
    client.force_login(desk)
    now = timezone.localtime().replace(second=0, microsecond=0)
    answer = client.post(
        reverse("people:visit-register"),
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "company": "Navy",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "gates": [lobby.pk],
        },
        follow=True,
    )
    page = answer.content.decode()
    visit = Visit.objects.get()
    assert visit.host_name == "desk" and visit.visitor.groups.get().name == "Visitors"
    assert [r.gate for r in visit.visitor.access_rules.all()] == [lobby]
    codes = re.findall(r'class="visit-code(?: no-print)?"', page)
    assert "is registered" in page and len(codes) == 2  # the pass and the link
    # The link's token is signed with the time (to the second): read it from the page.
    token = re.search(r'href="[^"]*/recognition/visit/([^/"]+)/"', page).group(1)
    assert visit_from_link(token) == visit
    assert claimed_person_id(pass_code(visit.visitor)) == visit.visitor.pk


@pytest.mark.parametrize(
    ("starts", "ends", "error"),
    [(0, -1, "must end after it starts"), (-5, -2, "already past"), (0, 24 * 40, "at most 31")],
)
def test_a_visit_must_make_sense(client, desk, starts, ends, error):
    client.force_login(desk)
    now = timezone.localtime().replace(second=0, microsecond=0)
    answer = client.post(
        reverse("people:visit-register"),
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "starts_at": (now + dt.timedelta(hours=starts)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=ends)).strftime("%Y-%m-%dT%H:%M"),
            "gates": [GateFactory().pk],
        },
    )
    assert answer.status_code == 200 and error in answer.content.decode()
    assert not Visit.objects.exists() and not Person.objects.exists()


def test_only_reception_and_managers_register_visitors(client, auditor, outsider):
    for user in (auditor, outsider):
        client.force_login(user)
        assert client.get(reverse("people:visit-register")).status_code == 403


@COMMITTING
def test_the_visitor_agrees_then_enrols_their_face_from_the_link(client, _media):
    visit = register(UserFactory(username="host"), GateFactory())
    link = reverse("recognition:visitor-selfie", args=[visit_link_token(visit)])
    page = client.get(link).content.decode()
    assert "Welcome, Grace" in page and "I have read this and agree" in page
    photo = SimpleUploadedFile("me.jpg", (UNIT / "img1.jpg").read_bytes(), "image/jpeg")
    refused = client.post(link, {"photo": photo})  # not ticked: nothing is stored
    assert refused.status_code == 400 and "tick that you agree" in refused.content.decode()
    assert not visit.visitor.face_photos.exists() and not visit.visitor.consents.exists()
    photo = SimpleUploadedFile("me.jpg", (UNIT / "img1.jpg").read_bytes(), "image/jpeg")
    answer = client.post(link, {"agree": "yes", "photo": photo, "language": "en"}, follow=True)
    assert "ready: the doors know your face" in answer.content.decode()
    consent = visit.visitor.consents.get()
    assert consent.method == Consent.Method.VISITOR_LINK and consent.text
    assert visit.visitor.face_photos.get().status == "enrolled"


def test_a_made_up_or_finished_link_opens_nothing(client, desk):
    visit = register(desk, GateFactory())
    token = visit_link_token(visit)
    assert client.get(reverse("recognition:visitor-selfie", args=[token + "x"])).status_code == 404
    Visit.objects.filter(pk=visit.pk).update(ended_at=timezone.now())
    gone = client.get(reverse("recognition:visitor-selfie", args=[token]))
    assert gone.status_code == 404 and "visit it was for is over" in gone.content.decode()


def test_a_visitor_passes_only_during_the_visit(desk):
    gate = GateFactory()
    visit = register(desk, gate, hours=2, starts_in=dt.timedelta(hours=1))
    kiosk, _ = pairing.kiosk_create(gate=gate)
    # The recognition is taken as done: this is about the visit's hours, not the face.
    agreement = Agreement(Seen.PERSON, visit.visitor.pk, 2, 0.2, 0.1, None)
    early = passage_record(kiosk_id=kiosk.pk, agreement=agreement).decision
    assert (early.granted, early.reason) == (False, Reason.PERSON_NOT_YET_VALID)
    Visit.objects.filter(pk=visit.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))
    assert passage_record(kiosk_id=kiosk.pk, agreement=agreement).decision.granted
    Visit.objects.filter(pk=visit.pk).update(ends_at=timezone.now())
    late = passage_record(kiosk_id=kiosk.pk, agreement=agreement).decision
    assert (late.granted, late.reason) == (False, Reason.PERSON_EXPIRED)


@COMMITTING
def test_when_the_visit_ends_the_face_data_goes_and_the_pass_stops(_media):
    from people.consent import consent_record
    from recognition.faces.enrolment import face_photo_create

    visit = register(UserFactory(username="host"), GateFactory())
    visitor = visit.visitor
    consent_record(person=visitor, method=Consent.Method.VISITOR_LINK)
    image = SimpleUploadedFile("me.jpg", (UNIT / "img1.jpg").read_bytes(), "image/jpeg")
    face_photo_create(person=visitor, image=image)
    code = pass_code(visitor)
    assert visits_end() == 0  # not over yet
    Visit.objects.filter(pk=visit.pk).update(ends_at=timezone.now())
    assert visits_end() == 1
    assert visits_end() == 0  # once
    visitor.refresh_from_db()
    visit.refresh_from_db()
    assert not visitor.face_photos.exists() and not visitor.is_active
    assert visit.ended_at is not None and claimed_person_id(code) is None
    assert visitor.consents.get().withdrawn_at is not None
