"""Enrolment from a webcam: the verdict on each frame (the enrolment's own rules, so "ready"
means the photo will be enrolled), the endpoints the page calls, with the real engine on real
photos, and the photo taken enrolled like an upload."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from people.consent import consent_record
from recognition.faces.camera_check import camera_frame_check
from recognition.faces.engine import FaceReading
from recognition.faces.enrolment import face_photo_enroll
from recognition.faces.recognizers import FaceBox
from recognition.models import FacePhoto
from tests.camera import camera_jpeg
from tests.conftest import UNIT
from tests.factories import PersonFactory

MIN_PX = 60


def reading(*faces: FaceBox, sharpness=80.0, yaw=0.0, embedded=True) -> FaceReading:
    return FaceReading(
        faces=list(faces),
        embedding=np.ones(128, dtype=np.float32) if embedded and faces else None,
        sharpness=sharpness if faces else None,
        yaw=yaw if faces else None,
        size=(640, 480),
    )


FACE = FaceBox(220, 120, 200, 220, 0.95)


def test_a_good_face_is_ready_and_a_bigger_sharper_straighter_one_scores_higher():
    fair = camera_frame_check(
        reading(FaceBox(280, 200, 70, 75, 0.9), sharpness=30, yaw=0.3), min_face_px=MIN_PX
    )
    good = camera_frame_check(reading(FACE), min_face_px=MIN_PX)
    assert fair.ready and good.ready and fair.code == good.code == "ready"
    assert 50 <= fair.quality < good.quality == 100
    assert good.face_px == 200 and good.faces == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (reading(), "no_face"),
        (reading(FaceBox(300, 200, 40, 44, 0.9)), "face_too_small"),
        (reading(FACE, sharpness=5.0), "blurry"),
        (reading(FACE, yaw=0.9), "turned_away"),
        (reading(FACE, FaceBox(230, 110, 195, 205, 0.9)), "several_faces"),
    ],
)
def test_a_frame_the_enrolment_would_reject_is_never_ready_and_says_what_to_do(frame, code):
    check = camera_frame_check(frame, min_face_px=MIN_PX)
    assert not check.ready and check.code == code
    assert check.quality < 50 and check.advice


def jpeg_upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def grey_frame() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 90, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_the_page_judges_real_frames_with_the_real_engine(client, manager, face_engine):
    person = PersonFactory()
    client.force_login(manager)
    url = f"/recognition/people/{person.pk}/camera/check"
    face = client.post(url, {"frame": jpeg_upload(camera_jpeg(UNIT / "img1.jpg"), "f.jpg")})
    assert face.status_code == 200 and face.json()["ready"] is True, face.json()
    empty = client.post(url, {"frame": jpeg_upload(grey_frame(), "f.jpg")}).json()
    assert empty["ready"] is False and empty["code"] == "no_face" and empty["quality"] == 0
    broken = client.post(url, {"frame": jpeg_upload(b"not a picture", "f.jpg")})
    assert broken.status_code == 400 and broken.json()["error"]
    assert client.post(url).status_code == 400  # no frame


@pytest.mark.django_db
def test_the_photo_taken_needs_a_consent_and_is_then_enrolled_like_an_upload(
    client, manager, face_engine
):
    person = PersonFactory(consent=False)
    client.force_login(manager)
    url = f"/recognition/people/{person.pk}/camera/take"
    photo = (UNIT / "img1.jpg").read_bytes()
    refused = client.post(url, {"photo": jpeg_upload(photo, "camera.jpg")})
    assert refused.status_code == 400 and "consent" in refused.json()["error"].lower()
    assert not FacePhoto.objects.filter(person=person).exists()  # nothing half-written

    consent_record(person=person, method="on_screen", reference="")
    taken = client.post(url, {"photo": jpeg_upload(photo, "camera.jpg")})
    assert taken.status_code == 201 and taken.json()["status"] == "pending"
    face_photo_enroll(photo_id=taken.json()["id"], engine=face_engine)  # the worker's part
    assert FacePhoto.objects.get(pk=taken.json()["id"]).status == "enrolled"
    page = client.get(f"/recognition/people/{person.pk}/camera")
    assert page.status_code == 200 and b'id="camera-quality"' in page.content


@pytest.mark.django_db
def test_only_those_who_may_add_face_photos_use_the_camera(client, desk, auditor):
    person = PersonFactory()
    for user in (desk, auditor):
        client.force_login(user)
        assert client.get(f"/recognition/people/{person.pk}/camera").status_code == 403
        check = client.post(f"/recognition/people/{person.pk}/camera/check")
        assert check.status_code == 403


@pytest.mark.django_db
def test_a_rejection_is_worded_in_the_readers_language(settings, tmp_path):
    """The reason is stored in the worker's language; an operator reads it in theirs."""
    from django.utils import translation

    from recognition.faces.enrolment import face_photo_reason, face_photo_store
    from tests.faces.test_recognition import upload

    settings.MEDIA_ROOT = tmp_path
    photo = face_photo_store(person=PersonFactory(), image=upload("img1.jpg"))
    photo.status, photo.reason_code = "rejected", "blurry"
    photo.reason = "The face is blurred. Use a sharper photo."
    with translation.override("zh-hans"):
        assert face_photo_reason(photo) == "人脸模糊。请使用更清晰的照片。"
    photo.reason_code, photo.face_px = "face_too_small", 41
    with translation.override("zh-hans"):
        assert "41 像素" in face_photo_reason(photo)
    photo.reason_code, photo.reason = "several_faces", "2 faces of similar size were found."
    assert face_photo_reason(photo) == photo.reason  # said in full only by its text
    photo.reason_code, photo.reason = "", ""
    assert face_photo_reason(photo) == ""
