"""Enrolment: a face photo is checked for quality and turned into an encrypted embedding."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass
from functools import partial

from django import forms
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from people.consent import consent_required
from people.models import Person
from recognition.faces.crypto import embedding_encrypt
from recognition.faces.engine import FaceEngine, FaceReading, ImageError, get_engine
from recognition.faces.gallery import Match
from recognition.faces.identification import gallery_for
from recognition.models import FacePhoto

logger = logging.getLogger(__name__)

# Quality gates for enrolment photos (bench/openset.py measures them on lfw-dev). A second
# face must be well smaller than the subject (a bystander), or, in a photo, clearly further
# from the centre (a photo shows one person by design: someone cut at its edge is not them).
DOMINANT_AREA_RATIO = 2.5
CENTRE_LEAD = 0.1  # how much nearer the centre the subject must be, in the photo's longer side
MIN_SHARPNESS = 25.0
MAX_YAW = 0.45


class EnrolmentCode(enum.StrEnum):
    """A face photo's ``reason_code``: why it was rejected, or a warning on an enrolled one."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_TOO_SMALL = "face_too_small"
    BLURRY = "blurry"
    TURNED_AWAY = "turned_away"
    UNREADABLE = "unreadable"
    FILE_MISSING = "file_missing"
    RESEMBLES_OTHER_PERSON = "resembles_other_person"  # a warning: enrolled all the same


@dataclass(frozen=True)
class Rejection:
    code: EnrolmentCode
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
        return Rejection(
            EnrolmentCode.NO_FACE, _("No face was found. Use a clear, front-facing photo.")
        )
    if has_rival_face(reading, photo=True):
        return Rejection(
            EnrolmentCode.SEVERAL_FACES,
            _("%(count)s faces of similar size were found. Use a photo of this person alone.")
            % {"count": len(reading.faces)},
        )
    face = reading.faces[0]
    if min(face.w, face.h) < min_face_px:
        return Rejection(
            EnrolmentCode.FACE_TOO_SMALL,
            _(
                "The face is only %(px)s pixels wide; at least %(min)s are needed. Use a closer "
                "or larger photo."
            )
            % {"px": min(face.w, face.h), "min": min_face_px},
        )
    if reading.sharpness is not None and reading.sharpness < MIN_SHARPNESS:
        return Rejection(EnrolmentCode.BLURRY, _("The face is blurred. Use a sharper photo."))
    if reading.yaw is not None and abs(reading.yaw) > MAX_YAW:
        return Rejection(
            EnrolmentCode.TURNED_AWAY,
            _("The face is turned to the side. Use a front-facing photo."),
        )
    if reading.embedding is None:
        return Rejection(
            EnrolmentCode(reading.problem or EnrolmentCode.NO_FACE), _("No usable face was found.")
        )
    return None


def face_photo_reason(photo: FacePhoto) -> str:
    """Why the photo was rejected, or its warning, in the reader's language. The stored text
    is in the language the worker spoke (``LANGUAGE_CODE``): a reason its code and the
    photo's measures say in full is worded again; any other keeps the stored text."""
    worded: dict[str, str] = {
        EnrolmentCode.NO_FACE: _("No face was found. Use a clear, front-facing photo."),
        EnrolmentCode.BLURRY: _("The face is blurred. Use a sharper photo."),
        EnrolmentCode.TURNED_AWAY: _("The face is turned to the side. Use a front-facing photo."),
        EnrolmentCode.FILE_MISSING: _("The photo file is missing; upload it again."),
    }
    if photo.reason_code == EnrolmentCode.FACE_TOO_SMALL and photo.face_px:
        return _(
            "The face is only %(px)s pixels wide; at least %(min)s are needed. Use a closer "
            "or larger photo."
        ) % {"px": photo.face_px, "min": settings.FACE_MIN_SIZE_PX}
    return worded.get(photo.reason_code, photo.reason) if photo.reason else ""


def _enrolment_send(photo_id: int) -> None:
    """Send one photo's enrolment to the workers. When the broker is away the photo stays
    pending (it is saved already) and Celery beat queues it again once it has waited
    REQUEUE_AFTER_MINUTES (``face_photos_reenroll_stale``): the upload still succeeds."""
    from recognition.faces.tasks import enroll_face_photo

    try:
        enroll_face_photo.delay(photo_id)
    except (BrokerError, OSError) as error:
        logger.warning("Face photo %s stays pending, not queued: %s", photo_id, error)


def face_photo_queue(*, photo: FacePhoto) -> None:
    """Queue a saved photo's enrolment for when the transaction that saved it commits."""
    transaction.on_commit(partial(_enrolment_send, photo.pk))


def face_photo_store(*, person: Person, image: File) -> FacePhoto:
    """Validate and save a face photo as pending. Raises ValidationError, storing nothing,
    when the person's consent is not on record, or for a file that is empty, not an image,
    too large or too many pixels."""
    consent_required(person)
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
        reading, rejection = None, Rejection(EnrolmentCode.UNREADABLE, str(exc))
    except OSError:
        reading, rejection = (
            None,
            Rejection(EnrolmentCode.FILE_MISSING, _("The photo file is missing; upload it again.")),
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
                photo.reason_code = EnrolmentCode.RESEMBLES_OTHER_PERSON
                photo.reason = _(
                    "Warning: this face closely resembles %(other)s (distance %(distance)s). "
                    "Check that the photo shows the right person."
                ) % {"other": other, "distance": f"{similar.distance:.2f}"}
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
        transaction.on_commit(partial(_enrolment_send, photo_id))
    return len(photo_ids)


def face_photos_reenrolling(*, model_name: str) -> int:
    """Photos enrolled with another model that are still to be enrolled with ``model_name``
    (after a model change). Their people cannot be recognised until theirs are done."""
    return FacePhoto.objects.exclude(model_name=model_name).exclude(model_name="").count()
