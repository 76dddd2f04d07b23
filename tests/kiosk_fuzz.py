"""What a broken or hostile kiosk client sends: the socket fuzz test's messages, and
bench/kiosk_load.py's fuzzing connections. Binary messages a kiosk must refuse as frames, and
text messages that are not a heartbeat."""

from __future__ import annotations

import random

from tests.camera import camera_jpeg

EMPTY_SCENE = camera_jpeg(None)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose header claims another size (a decompression bomb's trick)."""
    data = bytearray(EMPTY_SCENE)
    start = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[start + 5 : start + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def bad_frames(rng: random.Random, count: int = 40) -> list[bytes]:
    """Binary messages: size-bomb headers, a JPEG marker before noise, plain noise."""
    return [
        jpeg_claiming(60000, 60000),
        jpeg_claiming(12000, 12000),
        b"\xff\xd8\xff" + rng.randbytes(3000),
        *(rng.randbytes(rng.randint(1, 5000)) for _ in range(count)),
        *(b"\xff\xd8\xff" + rng.randbytes(rng.randint(1, 5000)) for _ in range(count)),
    ]


# Text too long to read: the socket is closed with 4413 (FRAME_TOO_LARGE).
TEXT_TOO_LONG = "[" * 100_000


def bad_texts(rng: random.Random, count: int = 40) -> list[str]:
    """Text messages that are not a heartbeat, each short enough to be read and answered."""
    return [
        "[" * 4000,  # deep, within the length limit
        '{"type": "heartbeat"',
        "null",
        "[]",
        '"heartbeat"',
        '{"type": 1}',
        "\u0000\ud7ff\ue000",
        *(
            "".join(chr(rng.randint(1, 0xD7FF)) for _ in range(rng.randint(1, 300)))
            for _ in range(count)
        ),
    ]
