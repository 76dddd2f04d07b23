"""Per-frame latency by stage on 640x480 JPEG frames made from the shared photos.

Each frame takes the kiosk's path (recognition.kiosks.analyzers.frame_sighting): the presence check
decodes it at reduced size and detects faces, then the full-size decode is aligned, checked
for liveness and embedded using those faces. Stages: decode (both decodes), detect, align,
liveness, embed, match (against a gallery of --gallery people).
Prints JSON with p50 and p95 per stage, the total, and the total's p50 over the sum of the
detect, align and embed p50s (what the pipeline adds around finding and describing a face).

    python bench/latency.py [--frames 120] [--gallery 1000] [--no-liveness]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _setup import FACES, camera_jpeg, django_setup, percentiles


def frames_640x480(count: int) -> list[bytes]:
    """Each photo fitted into 640x480 (letterboxed, as a camera frame), JPEG quality 85."""
    photos = sorted((FACES / "deepface-unit").glob("img*.jpg"))
    frames = [camera_jpeg(path) for path in photos]
    return [frames[i % len(frames)] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--gallery", type=int, default=1000)
    parser.add_argument("--no-liveness", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    from recognition.faces.engine import get_engine
    from recognition.faces.gallery import GalleryData, identify

    engine = get_engine()
    rng = np.random.default_rng(7)
    gallery = GalleryData.build(
        np.arange(args.gallery), rng.normal(0, 0.1, (args.gallery, 128)).astype(np.float32)
    )
    frames = frames_640x480(args.frames)

    def frame_reading(frame: bytes):
        presence = engine.detect_faces(frame)
        if not presence.faces:
            return presence
        return engine.read(frame, check_liveness=not args.no_liveness, presence=presence)

    for frame in frames[:5]:  # warm-up
        frame_reading(frame)
    stages: dict[str, list[float]] = {}
    totals, faces = [], 0
    for frame in frames:
        started = time.perf_counter()
        reading = frame_reading(frame)
        if reading.embedding is not None:
            faces += 1
            match_started = time.perf_counter()
            identify(
                gallery,
                reading.embedding,
                threshold=settings.FACE_MATCH_THRESHOLD,
                margin=settings.FACE_MATCH_MARGIN,
            )
            reading.timings_ms["match"] = (time.perf_counter() - match_started) * 1000
        totals.append((time.perf_counter() - started) * 1000)
        for stage, ms in reading.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    result = {
        "frames": len(frames),
        "frames_with_face": faces,
        "frame_size": "640x480 JPEG q85",
        "gallery_people": args.gallery,
        "liveness": not args.no_liveness,
        "stages_ms": {stage: percentiles(values, digits=2) for stage, values in stages.items()},
        "total_ms": percentiles(totals, digits=2),
    }
    network = sum(result["stages_ms"][stage]["p50"] for stage in ("detect", "align", "embed"))
    result["embedding"] = engine.model_name
    result["detect_align_embed_p50_ms"] = round(network, 2)
    result["total_p50_over_detect_align_embed_p50"] = round(result["total_ms"]["p50"] / network, 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
