"""Enrolment from a webcam: how good the picture in front of the camera is right now, judged
by the same rules that will decide the photo once it is taken (``enrolment_rejection``), so
that "ready" on the page means the photo will be enrolled."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from recognition.faces.engine import FaceReading
from recognition.faces.enrolment import (
    MAX_YAW,
    MIN_SHARPNESS,
    EnrolmentCode,
    enrolment_rejection,
)


@dataclass(frozen=True)
class CameraCheck:
    """One frame's verdict: whether to take the photo now, a 0-100 quality for the meter, and
    what the person should do, in the operator's language."""

    ready: bool
    quality: int
    advice: str
    code: str  # "ready", or the EnrolmentCode the photo would be rejected with
    faces: int
    face_px: int | None


def _advice(code: EnrolmentCode) -> str:
    return {
        EnrolmentCode.NO_FACE: _("No face: the person looks straight into the camera."),
        EnrolmentCode.SEVERAL_FACES: _("Several faces: only the person may be in the picture."),
        EnrolmentCode.FACE_TOO_SMALL: _("The face is too small: come closer to the camera."),
        EnrolmentCode.BLURRY: _("Blurred: hold still, or add light."),
        EnrolmentCode.TURNED_AWAY: _("Turned to the side: look straight at the camera."),
    }.get(code, _("No usable face: look straight into the camera."))


def _share(value: float, good: float) -> float:
    """0 to 1: how far ``value`` has gone towards ``good``."""
    return max(0.0, min(1.0, value / good)) if good > 0 else 1.0


def camera_frame_check(reading: FaceReading, *, min_face_px: int) -> CameraCheck:
    """The verdict on a frame the engine read as a photo (``FaceEngine.read(photo=True)``).
    The quality rises with the face's size (twice the minimum is full), its sharpness (twice
    the minimum) and how straight it looks; a frame the enrolment would reject is never ready,
    and its quality is capped below the ready mark."""
    face = reading.face
    face_px = min(face.w, face.h) if face else None
    rejection = enrolment_rejection(reading, min_face_px=min_face_px)
    if face is None:
        quality = 0.0
    else:
        size = _share(min(face.w, face.h), 2 * min_face_px)
        sharp = _share(reading.sharpness or 0.0, 2 * MIN_SHARPNESS)
        straight = 1.0 - _share(abs(reading.yaw or 0.0), MAX_YAW)
        quality = (size + sharp + straight) / 3
    if rejection is not None:
        return CameraCheck(
            ready=False,
            quality=min(round(quality * 100), 49),
            advice=_advice(rejection.code),
            code=rejection.code.value,
            faces=len(reading.faces),
            face_px=face_px,
        )
    return CameraCheck(
        ready=True,
        quality=max(round(quality * 100), 50),
        advice=_("Good: take the photo."),
        code="ready",
        faces=len(reading.faces),
        face_px=face_px,
    )
