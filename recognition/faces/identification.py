"""Who is in an image: a face's embedding matched against the enrolled gallery."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from people.models import Person
from recognition.faces.engine import FaceEngine, FaceReading, get_engine
from recognition.faces.gallery import Gallery, Match

_galleries: dict[str, Gallery] = {}  # by model, distance metric and template


def gallery_for(engine: FaceEngine) -> Gallery:
    metric, template = settings.FACE_DISTANCE_METRIC, settings.FACE_GALLERY_TEMPLATE
    key = f"{engine.model_name}/{metric}/{template}"
    if key not in _galleries:
        _galleries[key] = Gallery(engine.model_name, metric=metric, template=template)
    return _galleries[key]


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


def embedding_verify(embedding: np.ndarray, *, person_id: int, engine: FaceEngine) -> Match:
    """Whether one embedding is the given person's (1:1), at the verification threshold."""
    return gallery_for(engine).verify(
        embedding, person_id=person_id, threshold=settings.FACE_VERIFY_THRESHOLD
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
