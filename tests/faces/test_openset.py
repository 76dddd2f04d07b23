"""Open-set identification with the real models on real photos (shared/faces/lfw-dev):
people enrolled from their gallery photos are named from their other photos, and strangers
are named as nobody. bench/openset.py measures the same at full size."""

import io
import json

import pytest
from django.core.management import call_command

from recognition.faces.identification import face_identify
from tests.conftest import FACES

pytestmark = pytest.mark.django_db

LFW = FACES / "lfw-dev"
PEOPLE = 40
STRANGERS = 200


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enrolled(face_engine, tmp_path):
    """The first PEOPLE people of the gallery, enrolled with the integrators' command."""
    folder = tmp_path / "gallery"
    folder.mkdir()
    people = sorted(p for p in (LFW / "gallery").iterdir() if p.is_dir())[:PEOPLE]
    for person in people:
        (folder / person.name).symlink_to(person)
    out = io.StringIO()
    call_command("enroll_dir", str(folder), consent="HR file, test", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["people"] == PEOPLE
    return {p.name.replace("_", " "): p.name for p in people}, summary


def test_gallery_photos_pass_the_enrolment_gates(enrolled):
    _, summary = enrolled
    assert len(summary["enrolled"]) >= 3 * PEOPLE - 2, summary["rejected"]
    assert not [e for e in summary["enrolled"] if e["warning"]]  # no false look-alike warning


def test_known_people_are_named_from_other_photos_and_never_as_someone_else(enrolled):
    names, _ = enrolled
    named_right = named_wrong = tried = 0
    for full_name, folder in names.items():
        for probe in sorted((LFW / "probes" / "known" / folder).glob("*.jpg")):
            tried += 1
            person = face_identify(data=probe.read_bytes(), check_liveness=False).person
            if person is None:
                continue
            if person.full_name == full_name:
                named_right += 1
            else:
                named_wrong += 1
    assert tried > 2 * PEOPLE
    assert named_wrong == 0
    assert named_right >= tried - 2, f"{named_right} of {tried} named right"


def test_strangers_are_named_as_nobody(enrolled):
    strangers = sorted((LFW / "probes" / "unknown").glob("*.jpg"))[:STRANGERS]
    named = [
        (path.name, result.person.full_name, round(result.match.distance, 3))
        for path in strangers
        if (result := face_identify(data=path.read_bytes(), check_liveness=False)).person
    ]
    assert named == []
