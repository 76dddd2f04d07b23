"""Writes for recognition: enrolling face photos and identifying faces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django import forms
from django.conf import settings
from django.core.files import File
from django.db import transaction

from people.models import Person
from recognition.crypto import embedding_encrypt
from recognition.engine import FaceEngine, FaceReading, ImageError, get_engine
from recognition.gallery import Gallery, Match
from recognition.models import FacePhoto

# Quality gates for enrolment photos. A second face must be well smaller than the main one
# (a bystander in the background), else the photo is ambiguous.
DOMINANT_AREA_RATIO = 2.5
MIN_SHARPNESS = 15.0
MAX_YAW = 0.35

_galleries: dict[str, Gallery] = {}  # by model and distance metric


def gallery_for(engine: FaceEngine) -> Gallery:
    key = f"{engine.model_name}/{settings.FACE_DISTANCE_METRIC}"
    if key not in _galleries:
        _galleries[key] = Gallery(engine.model_name, metric=settings.FACE_DISTANCE_METRIC)
    return _galleries[key]


@dataclass(frozen=True)
class Rejection:
    code: str
    message: str


def has_rival_face(reading: FaceReading) -> bool:
    """Whether a second face is close in size to the largest: no clearly dominant face."""
    faces = reading.faces
    return len(faces) > 1 and faces[1].area * DOMINANT_AREA_RATIO > faces[0].area


def enrolment_rejection(reading: FaceReading, *, min_face_px: int) -> Rejection | None:
    """Why a photo cannot be enrolled, in words a manager understands; None if it can."""
    if not reading.faces:
        return Rejection("no_face", "No face was found. Use a clear, front-facing photo.")
    if has_rival_face(reading):
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
            reading = engine.read(handle.read(), check_liveness=False)
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


def face_photos_reenroll(*, model_name: str) -> int:
    """Queue every photo enrolled with another model (or never) for enrolment again.

    The photos stay; their old embeddings stop counting as soon as the model changes.
    """
    from recognition.tasks import enroll_face_photo

    stale = list(FacePhoto.objects.exclude(model_name=model_name).values_list("pk", flat=True))
    FacePhoto.objects.filter(pk__in=stale).update(status=FacePhoto.Status.PENDING)
    for photo_id in stale:
        transaction.on_commit(lambda pk=photo_id: enroll_face_photo.delay(pk))
    return len(stale)


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
    reading = engine.read(data, check_liveness=check_liveness)
    if reading.embedding is None:
        return Identification(None, None, reading)
    match = embedding_match(reading.embedding, engine=engine)
    person = Person.objects.filter(pk=match.person_id).first() if match.person_id else None
    return Identification(person, match, reading)
