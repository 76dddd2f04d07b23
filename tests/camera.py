"""Camera frames made from the shared photos: 640x480 JPEGs, and Y4M clips for Chromium's fake
camera (``--use-file-for-fake-video-capture``)."""

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480


def camera_image(path: Path | None) -> Image.Image:
    """The photo fitted into a 640x480 frame (letterboxed); None gives an empty grey scene."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), (90, 90, 90))
    if path is not None:
        with Image.open(path) as photo:
            photo = photo.convert("RGB")
            photo.thumbnail((WIDTH, HEIGHT))
            frame.paste(photo, ((WIDTH - photo.width) // 2, (HEIGHT - photo.height) // 2))
    return frame


def camera_jpeg(path: Path | None) -> bytes:
    buffer = io.BytesIO()
    camera_image(path).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def y4m_clip(path: Path, *, frames: int = 10, fps: int = 10) -> bytes:
    """A still photo as a short YUV4MPEG2 clip (Chromium loops it)."""
    bgr = cv2.cvtColor(np.asarray(camera_image(path)), cv2.COLOR_RGB2BGR)
    planes = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).tobytes()
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode()
    return header + b"".join(b"FRAME\n" + planes for _ in range(frames))
