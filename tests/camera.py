"""Camera frames made from the shared photos: 640x480 JPEGs, and Y4M clips for Chromium's fake
camera (``--use-file-for-fake-video-capture``)."""

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480


def camera_image(path: Path | None, *, fill: bool = False) -> Image.Image:
    """The photo fitted into a 640x480 frame (letterboxed); None gives an empty grey scene.
    With ``fill``, a small photo (a 250x250 face crop) is enlarged to the frame's height, as
    a person standing close to the kiosk fills it."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), (90, 90, 90))
    if path is not None:
        with Image.open(path) as photo:
            photo = photo.convert("RGB")
            if fill and photo.height < HEIGHT:
                photo = photo.resize((photo.width * HEIGHT // photo.height, HEIGHT))
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


def held_up(frame: Image.Image, *, yaw: float, pitch: float = 0.0, distance: float = 1.5) -> bytes:
    """The frame as a flat picture (a printed photo, a screen) held up to the camera and turned
    ``yaw`` degrees about its vertical axis and ``pitch`` about its horizontal one, at
    ``distance`` focal lengths: the perspective a real camera gives it. A JPEG, like a kiosk's."""
    bgr = cv2.cvtColor(np.asarray(frame), cv2.COLOR_RGB2BGR)
    height, width = bgr.shape[:2]
    focal = float(max(width, height))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    y, p = np.radians(yaw), np.radians(pitch)
    turn = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    tilt = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rotation = turn @ tilt
    depth = distance * focal
    # The picture's pixel (u, v) lies at rotation @ (u - w/2, v - h/2, 0) + (0, 0, depth).
    plane = np.column_stack(
        [
            rotation[:, 0],
            rotation[:, 1],
            np.array([0, 0, depth]) - rotation[:, 0] * width / 2 - rotation[:, 1] * height / 2,
        ]
    )
    homography = camera @ plane
    homography /= homography[2, 2]
    # Seen from ``distance``, the picture fills the frame as it did at the camera's focal length.
    homography = np.diag([distance, distance, 1.0]) @ homography
    homography[0, 2] -= (distance - 1) * width / 2
    homography[1, 2] -= (distance - 1) * height / 2
    warped = cv2.warpPerspective(bgr, homography, (width, height), borderValue=(90, 90, 90))
    ok, data = cv2.imencode(".jpg", warped, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return data.tobytes()


def pass_shown(code: str, face: Path | None = None) -> bytes:
    """A camera frame with a QR pass (a phone's screen, a printed card) held up beside the
    face, or alone: a 640x480 JPEG, like a kiosk's."""
    import qrcode

    frame = camera_image(face)
    card = qrcode.make(code, border=3).get_image().convert("RGB").resize((200, 200))
    frame.paste(card, (WIDTH - 220, HEIGHT - 220))
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
