"""The face engine: decode, detect, align, check liveness and embed one image.

DeepFace is the framework: it builds the YuNet detector, the recognizer (Dlib's ResNet by
default, ``FACE_MODEL``) and the MiniFASNet anti-spoofing models and reads their weights from
the models folder. Alignment
uses dlib's own 5-point face chips, which the Dlib network was trained on: on the labelled
pairs in shared/faces this scores 99.6% where DeepFace's generic alignment scores 93.6%.

The engine is built once per process (:func:`get_engine`) and is safe to share between
threads: one image is analysed at a time, the models being neither cheap to copy nor
thread-safe.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, UnidentifiedImageError

from people.validators import MAX_PHOTO_PIXELS
from recognition.model_files import LANDMARKS, models_status, resolve_detector, weights_dir

logger = logging.getLogger(__name__)

CHIP_SIZE = 150
CHIP_PADDING = 0.25
PRESENCE_SIDE = 320  # read_faces decodes to about this size: a face at the door stays large


class ImageError(ValueError):
    """The bytes are not an image we can read; the message says why, for a person."""


@dataclass(frozen=True)
class EngineConfig:
    models_dir: Path
    backend: str = "pytorch"
    detector_score: float = 0.9
    min_face_px: int = 60
    liveness: bool = True
    detect_max_side: int = 480
    detector: str = "auto"  # auto, yunet or dlib
    model: str = "Dlib"  # the recognition network, by DeepFace's name

    @classmethod
    def from_settings(cls) -> EngineConfig:
        from django.conf import settings

        return cls(
            models_dir=settings.FACE_MODELS_DIR,
            backend=settings.FACE_ENGINE_BACKEND,
            detector_score=settings.FACE_DETECTOR_SCORE,
            min_face_px=settings.FACE_MIN_SIZE_PX,
            liveness=settings.FACE_LIVENESS,
            detect_max_side=settings.FACE_DETECT_MAX_SIDE,
            detector=settings.FACE_DETECTOR,
            model=settings.FACE_MODEL,
        )


@dataclass(frozen=True)
class FaceBox:
    """A detected face in the image's own pixels."""

    x: int
    y: int
    w: int
    h: int
    score: float

    @property
    def area(self) -> int:
        return self.w * self.h


@dataclass
class FaceReading:
    """What the engine saw in one image. ``faces`` is largest first; the largest is the one
    embedded and checked for liveness."""

    faces: list[FaceBox]
    embedding: np.ndarray | None = None
    liveness: float | None = None  # probability the face is real; None when not checked
    sharpness: float | None = None  # variance of the Laplacian on the aligned chip
    yaw: float | None = None  # nose offset from the eyes' midpoint, in eye distances
    problem: str | None = None  # no_face, face_too_small; None when embedded
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


def embedding_model_name(model: str, backend: str) -> str:
    """What an embedding was made with: embeddings of different models never mix."""
    if model == "Dlib":
        return "Dlib-ResNet/dlib-5pt-chip"
    return f"{model}/{backend}/dlib-5pt-chip"


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
        # Another network's weight file may still come from DeepFace's download, where the
        # internet is reachable (below); Dlib's and the rest must be installed.
        downloadable = config.model != "Dlib" and status["recognizer"].detail.startswith("missing")
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

        import dlib
        from deepface import DeepFace

        started = time.perf_counter()
        self.detector_name = detector
        if detector == "yunet":
            self._detector = DeepFace.build_model(task="face_detector", model_name="yunet").model
        else:
            built = DeepFace.build_model(task="face_detector", model_name="dlib")
            self._detector = built.model["face_detector"]
        self._landmarks = dlib.shape_predictor(str(weights_dir(config.models_dir) / LANDMARKS))
        try:
            self._recognizer = DeepFace.build_model(
                task="facial_recognition", model_name=config.model
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
        self._dlib = dlib
        self._lock = threading.Lock()
        if self._spoofing is not None:
            # MiniFASNet is tiny: on one thread it takes ~11 ms a face; with two threads on two
            # cores it was slower and disturbed the other stages (bench/latency.py).
            import torch

            torch.set_num_threads(1)
            _compile_spoofing_models(self._spoofing)
        logger.info(
            "Face engine ready in %.1f s: detector %s, alignment dlib 5-point chips, "
            "recognizer %s, liveness %s, backend %s, weights in %s",
            time.perf_counter() - started,
            detector,
            config.model,
            "MiniFASNet" if self._spoofing else "off",
            config.backend,
            weights_dir(config.models_dir),
        )

    @property
    def model_name(self) -> str:
        return embedding_model_name(self.config.model, self.config.backend)

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Faces above the score threshold, largest first, in the image's pixels."""
        height, width = image.shape[:2]
        scale = min(1.0, self.config.detect_max_side / max(height, width))
        small = (
            cv2.resize(image, (round(width * scale), round(height * scale))) if scale < 1 else image
        )
        faces = []
        for x, y, w, h, score in self._detect_rows(small):
            x, y, w, h = (float(v) / scale for v in (x, y, w, h))
            left, top = max(0, round(x)), max(0, round(y))
            right, bottom = min(width, round(x + w)), min(height, round(y + h))
            if right > left and bottom > top:
                faces.append(FaceBox(left, top, right - left, bottom - top, float(score)))
        return sorted(faces, key=lambda f: f.area, reverse=True)

    def _detect_rows(self, image: np.ndarray) -> list[tuple[float, ...]]:
        """(x, y, w, h, score) of each face in ``image``, from whichever detector is in use."""
        if self.detector_name == "dlib":
            # Upsampled once, as DeepFace does: HOG misses faces under ~80 px otherwise.
            rects, scores, _ = self._detector.run(image, 1)
            return [
                (r.left(), r.top(), r.width(), r.height(), score)
                for r, score in zip(rects, scores, strict=True)
            ]
        self._detector.setInputSize((image.shape[1], image.shape[0]))
        self._detector.setScoreThreshold(self.config.detector_score)
        _, rows = self._detector.detect(image)
        return [(*row[:4], row[-1]) for row in rows] if rows is not None else []

    def chip(self, image: np.ndarray, face: FaceBox) -> tuple[np.ndarray, float]:
        """dlib's aligned 150×150 face chip (same channel order as ``image``), and the yaw:
        how far the nose sits from the eyes' midpoint, in eye distances (0 = frontal)."""
        rect = self._dlib.rectangle(face.x, face.y, face.x + face.w, face.y + face.h)
        shape = self._landmarks(image, rect)
        # dlib's 5 points: two corners of each eye, then the base of the nose.
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        eye_a, eye_b, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
        eye_distance = float(np.linalg.norm(eye_a - eye_b)) or 1.0
        axis = (eye_b - eye_a) / eye_distance
        yaw = float(np.dot(nose - (eye_a + eye_b) / 2, axis)) / eye_distance
        chip = np.asarray(
            self._dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        )
        return chip, yaw

    def embed(self, chip_bgr: np.ndarray) -> np.ndarray:
        if self.config.model == "Dlib":  # DeepFace's Dlib client takes the chip itself
            return np.asarray(self._recognizer.forward(chip_bgr), dtype=np.float32)
        # Other networks take the chip as DeepFace.represent prepares a face: fitted into the
        # network's input (input_shape is width, height), scaled to [0, 1], in a batch of one.
        from deepface.modules.preprocessing import resize_image

        width, height = self._recognizer.input_shape
        batch = resize_image(chip_bgr, target_size=(height, width))
        return np.asarray(self._recognizer.forward(batch), dtype=np.float32).reshape(-1)

    def liveness(self, image: np.ndarray, face: FaceBox) -> float:
        """The probability that the face is a live person rather than a photo or screen."""
        assert self._spoofing is not None
        is_real, score = self._spoofing.analyze(image, (face.x, face.y, face.w, face.h))
        return float(score) if is_real else 1.0 - float(score)

    def read_faces(self, data: bytes) -> FaceReading:
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
            problem=None if faces else "no_face",
            size=(image.shape[1], image.shape[0]),
        )

    def read(
        self,
        data: bytes,
        *,
        check_liveness: bool | None = None,
        presence: FaceReading | None = None,
        snapshot: bool = False,
    ) -> FaceReading:
        """Decode the bytes and analyse the largest face. Raises ImageError for bad bytes.

        With ``presence`` (what :meth:`read_faces` found in the same bytes), its faces are
        used instead of detecting again: a kiosk frame is detected once. Its timings are
        counted in this reading's. With ``snapshot``, an embedded face also comes as a small
        JPEG crop of the pixels already decoded."""
        timings: dict[str, float] = dict(presence.timings_ms) if presence else {}
        timed = partial(_timed, timings)
        image = timed("decode", lambda: decode_image(data))
        with self._lock:
            if presence is not None:
                faces = _rescaled(presence.faces, presence.size, image)
            else:
                faces = timed("detect", lambda: self.detect(image))
            reading = FaceReading(faces=faces, timings_ms=timings)
            if not faces:
                reading.problem = "no_face"
                return reading
            face = faces[0]
            if min(face.w, face.h) < self.config.min_face_px:
                reading.problem = "face_too_small"
                return reading
            chip, reading.yaw = timed("align", lambda: self.chip(image, face))
            reading.sharpness = float(
                cv2.Laplacian(cv2.cvtColor(chip, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
            )
            wants_liveness = self.config.liveness if check_liveness is None else check_liveness
            if wants_liveness and self._spoofing is not None:
                reading.liveness = timed("liveness", lambda: self.liveness(image, face))
            reading.embedding = timed("embed", lambda: self.embed(chip))
        if snapshot:
            reading.face_jpeg = timed("snapshot", lambda: face_snapshot_jpeg(image, face))
        return reading


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
            boxes.append(FaceBox(left, top, right - left, bottom - top, f.score))
    return boxes


def _compile_spoofing_models(spoofing: Any) -> None:
    """Trace and freeze DeepFace's two MiniFASNet models: the same scores, in ~6.6 ms a face
    instead of ~11 (Python's per-layer overhead dominates such small networks). Where tracing
    fails the models stay as DeepFace built them."""
    import torch

    sample = torch.zeros(1, 3, 80, 80)
    try:
        with torch.no_grad():
            first = torch.jit.freeze(torch.jit.trace(spoofing.first_model.eval(), sample))
            second = torch.jit.freeze(torch.jit.trace(spoofing.second_model.eval(), sample))
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
