"""Writes for recognition: enrolling face photos and identifying faces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django import forms
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from people.models import Person
from recognition.crypto import embedding_encrypt
from recognition.engine import FaceEngine, FaceReading, ImageError, get_engine
from recognition.gallery import Gallery, Match
from recognition.models import FacePhoto

# Quality gates for enrolment photos (bench/openset.py measures them on lfw-dev). A second
# face must be well smaller than the subject (a bystander), or, in a photo, clearly further
# from the centre (a photo shows one person by design: someone cut at its edge is not them).
DOMINANT_AREA_RATIO = 2.5
CENTRE_LEAD = 0.1  # how much nearer the centre the subject must be, in the photo's longer side
MIN_SHARPNESS = 25.0
MAX_YAW = 0.45

_galleries: dict[str, Gallery] = {}  # by model, distance metric and template


def gallery_for(engine: FaceEngine) -> Gallery:
    metric, template = settings.FACE_DISTANCE_METRIC, settings.FACE_GALLERY_TEMPLATE
    key = f"{engine.model_name}/{metric}/{template}"
    if key not in _galleries:
        _galleries[key] = Gallery(engine.model_name, metric=metric, template=template)
    return _galleries[key]


@dataclass(frozen=True)
class Rejection:
    code: str
    message: str


def has_rival_face(reading: FaceReading, *, photo: bool = False) -> bool:
    """Whether another face is close in size to the subject: no clearly dominant face. In a
    ``photo`` a face of similar size far out at the edge is a bystander, not a rival."""
    faces = reading.faces
    if len(faces) < 2:
        return False
    subject = faces[0]
    rivals = [f for f in faces[1:] if f.area * DOMINANT_AREA_RATIO > subject.area]
    if photo and reading.size:
        lead = CENTRE_LEAD + subject.off_centre(*reading.size)
        rivals = [f for f in rivals if f.off_centre(*reading.size) < lead]
    return bool(rivals)


def enrolment_rejection(reading: FaceReading, *, min_face_px: int) -> Rejection | None:
    """Why a photo cannot be enrolled, in words a manager understands; None if it can."""
    if not reading.faces:
        return Rejection("no_face", "No face was found. Use a clear, front-facing photo.")
    if has_rival_face(reading, photo=True):
        return Rejection(
            "several_faces",
            f"{len(reading.faces)} faces of similar size were found. "
            "Use a photo of this person alone.",
        )
    face = reading.faces[0]
    if min(face.w, face.h) < min_face_px:
        return Rejection(
            "face_too_small",
            f"The face is only {min(face.w, face.h)} pixels wide; at least {min_face_px} are "
            "needed. Use a closer or larger photo.",
        )
    if reading.sharpness is not None and reading.sharpness < MIN_SHARPNESS:
        return Rejection("blurry", "The face is blurred. Use a sharper photo.")
    if reading.yaw is not None and abs(reading.yaw) > MAX_YAW:
        return Rejection("turned_away", "The face is turned to the side. Use a front-facing photo.")
    if reading.embedding is None:
        return Rejection(reading.problem or "no_face", "No usable face was found.")
    return None


def face_photo_queue(*, photo: FacePhoto) -> None:
    """Queue a saved photo's enrolment for when the transaction that saved it commits."""
    from recognition.tasks import enroll_face_photo

    transaction.on_commit(lambda: enroll_face_photo.delay(photo.pk))


def face_photo_store(*, person: Person, image: File) -> FacePhoto:
    """Validate and save a face photo as pending. Raises ValidationError, storing nothing,
    for a file that is empty, not an image, too large or too many pixels."""
    forms.ImageField().clean(image)  # Django's own check: empty, not an image, damaged
    image.seek(0)
    photo = FacePhoto(person=person, image=image)
    photo.full_clean(exclude=["person"])
    photo.save()
    return photo


def face_photo_create(*, person: Person, image: File) -> FacePhoto:
    """Store an uploaded face photo as pending and queue its enrolment after commit."""
    photo = face_photo_store(person=person, image=image)
    face_photo_queue(photo=photo)
    return photo


def face_photo_enroll(*, photo_id: int, engine: FaceEngine | None = None) -> FacePhoto | None:
    """Compute the photo's embedding and decide: enrolled (maybe with a warning) or rejected.

    Returns None when the photo no longer exists (deleted while queued).
    """
    engine = engine or get_engine()
    photo = FacePhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return None
    try:
        with photo.image.open("rb") as handle:
            reading = engine.read(handle.read(), check_liveness=False, photo=True)
        rejection = enrolment_rejection(reading, min_face_px=engine.config.min_face_px)
    except ImageError as exc:
        reading, rejection = None, Rejection("unreadable", str(exc))
    except OSError:
        reading, rejection = (
            None,
            Rejection("file_missing", "The photo file is missing; upload it again."),
        )

    similar: Match | None = None
    if rejection is None and reading is not None and reading.embedding is not None:
        gallery = gallery_for(engine)
        similar = gallery.identify(
            reading.embedding, threshold=settings.FACE_MATCH_THRESHOLD, margin=0.0
        )
    with transaction.atomic():
        photo = FacePhoto.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None:
            return None
        if rejection is not None:
            photo.status, photo.reason_code, photo.reason = (
                FacePhoto.Status.REJECTED,
                rejection.code,
                rejection.message,
            )
            photo.embedding, photo.similar_person = None, None
        else:
            assert reading is not None and reading.embedding is not None
            photo.status = FacePhoto.Status.ENROLLED
            photo.embedding = embedding_encrypt(reading.embedding)
            photo.reason_code, photo.reason, photo.similar_person = "", "", None
            if similar and similar.person_id and similar.person_id != photo.person_id:
                other = Person.objects.filter(pk=similar.person_id).first()
                photo.reason_code = "resembles_other_person"
                photo.reason = (
                    f"Warning: this face closely resembles {other} (distance "
                    f"{similar.distance:.2f}). Check that the photo shows the right person."
                )
                photo.similar_person = other
        photo.model_name = engine.model_name
        if reading is not None and reading.face is not None:
            photo.face_px = min(reading.face.w, reading.face.h)
            photo.sharpness = reading.sharpness
        photo.save()
    return photo


def face_photos_reenroll(*, model_name: str, stuck_after: dt.timedelta | None = None) -> int:
    """Queue every photo enrolled with another model (or never) for enrolment again.

    The photos stay; their old embeddings stop counting as soon as the model changes. With
    ``stuck_after``, photos already waiting are left alone unless they have waited that long
    (their task was lost), so that a periodic check queues each photo once.
    """
    from recognition.tasks import enroll_face_photo

    now = timezone.now()
    stale = FacePhoto.objects.exclude(model_name=model_name)
    if stuck_after is not None:
        stale = stale.exclude(status=FacePhoto.Status.PENDING, updated_at__gt=now - stuck_after)
    photo_ids = list(stale.values_list("pk", flat=True))
    # update() leaves auto_now alone: the time it was queued is written here.
    FacePhoto.objects.filter(pk__in=photo_ids).update(
        status=FacePhoto.Status.PENDING, updated_at=now
    )
    for photo_id in photo_ids:
        transaction.on_commit(lambda pk=photo_id: enroll_face_photo.delay(pk))
    return len(photo_ids)


@dataclass(frozen=True)
class Identification:
    person: Person | None
    match: Match | None
    reading: FaceReading


def embedding_match(embedding: np.ndarray, *, engine: FaceEngine) -> Match:
    """The gallery's answer for one embedding, at the configured threshold and margin."""
    return gallery_for(engine).identify(
        embedding, threshold=settings.FACE_MATCH_THRESHOLD, margin=settings.FACE_MATCH_MARGIN
    )


def face_identify(
    *, data: bytes, engine: FaceEngine | None = None, check_liveness: bool | None = None
) -> Identification:
    """Who is in this image, if anyone we know. Raises ImageError for unreadable bytes."""
    engine = engine or get_engine()
    reading = engine.read(data, check_liveness=check_liveness, photo=True)
    if reading.embedding is None:
        return Identification(None, None, reading)
    match = embedding_match(reading.embedding, engine=engine)
    person = Person.objects.filter(pk=match.person_id).first() if match.person_id else None
    return Identification(person, match, reading)
